/* commands.h - the subcommands of the msrexit command line. */
#ifndef MSREXIT_COMMANDS_H
#define MSREXIT_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_asm(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_facts(int argc, char **argv);
int cmd_conform(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* true if argv has -h or --help; prints usage then. */
int wants_help(int argc, char **argv, const char *usage);
/* Loads a program file; on error prints "file:line:col: error: msg" and returns -1. */
struct program;
int load_program_or_say(const char *path, struct program *p);

#endif
