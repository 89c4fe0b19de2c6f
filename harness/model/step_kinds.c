/* step_kinds.c - the table of step kinds, made from the one list in step_kinds.h. */
#include <string.h>
#include <strings.h>

#include "requirements.h"
#include "step_kinds.h"

#define STEP_IS_GUEST_guest 1
#define STEP_IS_GUEST_host 0
#define STEP_WORD_guest(name) (name)
#define STEP_WORD_host(name) ((name) + sizeof("host-") - 1)

#define STEP_KIND_DESC(E, num, cls, slot_, n, fep, name_, insn_, wr, req_, fd_, touches_, args, \
		       stem)                                                                    \
	[num] = {                                                                               \
		.name = name_,                                                                  \
		.word = STEP_WORD_##cls(name_),                                                 \
		.insn = insn_,                                                                  \
		.kind = num,                                                                    \
		.guest = STEP_IS_GUEST_##cls,                                                   \
		.write = wr,                                                                    \
		.insn_len = sizeof(insn_) - 1,                                                  \
		.slot = slot_,                                                                  \
		.nslots = n,                                                                    \
		.fep_slot = fep,                                                                \
		.req = req_,                                                                    \
		.fd = STEP_FD_##fd_,                                                            \
		.touches = STEP_TOUCH_##touches_,                                               \
		.decode = step_decode_##args,                                                   \
		.encode = step_encode_##args,                                                   \
		.parse = step_parse_##args,                                                     \
		.format = step_format_##args,                                                   \
		.trace = step_trace_##args,                                                     \
		.predict = { .cls = step_predict_##stem },                                      \
	},

const struct step_kind_desc step_kinds[STEP_KIND_LIMIT] = { STEP_KINDS(STEP_KIND_DESC) };

#define STEP_KIND_NUM(E, num, ...) num,
const uint8_t step_kind_list[] = { STEP_KINDS(STEP_KIND_NUM) };
const unsigned step_kind_count = sizeof(step_kind_list);

/* What the preprocessor can check: the number ranges of the classes, one guest slot each. */
#define STEP_KIND_CHECK(E, num, cls, slot, n, fep, ...)                                       \
	_Static_assert((num) > 0 && (num) < STEP_KIND_LIMIT &&                                \
			   ((num) < STEP_FIRST_HOST) == STEP_IS_GUEST_##cls,                  \
		       "STEP_" #E ": guest kinds are 0x01..0x3f, host kinds 0x40..0x7f");     \
	_Static_assert((slot) + (n) <= 0x20 && (n) > 0 && ((fep) < 0x20 || (fep) == NO_SLOT), \
		       "STEP_" #E ": operation slots are 0x00..0x1f");
STEP_KINDS(STEP_KIND_CHECK)

const struct step_kind_desc *step_kind_by_slot(unsigned op, bool *fep)
{
	for (unsigned i = 0; i < step_kind_count; i++) {
		const struct step_kind_desc *d = &step_kinds[step_kind_list[i]];

		*fep = op == d->fep_slot;
		if (*fep || (op >= d->slot && op < d->slot + d->nslots))
			return d;
	}
	*fep = false;
	return NULL;
}

const struct step_kind_desc *step_kind_by_word(const char *s, unsigned len, bool guest)
{
	for (unsigned i = 0; i < step_kind_count; i++) {
		const struct step_kind_desc *d = &step_kinds[step_kind_list[i]];

		if (d->guest == guest && strlen(d->word) == len && !strncasecmp(s, d->word, len))
			return d;
	}
	return NULL;
}
