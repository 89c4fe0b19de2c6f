/* cmd_conform.c - `msrexit conform`: the conformance suite (conformance/conform.c does the work). */
#include "commands.h"
#include "conform.h"

int cmd_conform(int argc, char **argv)
{
	return conform_main(argc, argv);
}
