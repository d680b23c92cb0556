/* Every command's entry point: int cmd_NAME(int argc, char **argv), with
 * argv[0] the command name. */
#ifndef SOCKIT_COMMANDS_H
#define SOCKIT_COMMANDS_H

int cmd_cidr(int argc, char **argv);
int cmd_resolve(int argc, char **argv);
int cmd_udp_send(int argc, char **argv);
int cmd_udp_listen(int argc, char **argv);
int cmd_udp_chat(int argc, char **argv);
int cmd_udp_relay(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_file_send(int argc, char **argv);
int cmd_file_recv(int argc, char **argv);
int cmd_http_get(int argc, char **argv);
int cmd_http_serve(int argc, char **argv);
int cmd_arp(int argc, char **argv);
int cmd_sniff(int argc, char **argv);
int cmd_tcp_connect(int argc, char **argv);
int cmd_tcp_listen(int argc, char **argv);
int cmd_ui(int argc, char **argv);
int cmd_tour(int argc, char **argv);
int cmd_help(int argc, char **argv);

#endif
