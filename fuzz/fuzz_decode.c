/* fuzz_decode.c - msrexit-fuzz-decode (no KVM): any bytes decode to a valid program that survives both codecs. */
#include <stddef.h>
#include <stdint.h>

#include "model_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct program p;

	program_decode(data, size, &p);
	model_check_program(&p, "decode");
	model_check_oracle(&p, model_seed(data, size));
	return 0;
}
