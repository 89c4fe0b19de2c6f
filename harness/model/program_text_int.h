/* program_text_int.h - the text parser's state and its word-level helpers, shared by its two files. */
#ifndef MSREXIT_PROGRAM_TEXT_INT_H
#define MSREXIT_PROGRAM_TEXT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "program.h"

#define MAX_TOKENS 32
#define SHOWN 40 /* at most this much of a word is quoted in a message */

struct tok {
	const char *s;
	unsigned len, col;
};

struct fref {
	unsigned line, col;
	uint8_t n;
};

struct text_parser {
	struct program *p;
	struct parse_error *err;
	unsigned line;
	struct tok t[MAX_TOKENS];
	unsigned nt;
	int cur; /* filter block being read, or -1 */
	unsigned cur_line, cur_col;
	unsigned defined_line[PROG_MAX_FILTERS]; /* 0: not defined */
	unsigned setup_line;
	struct fref refs[PROG_MAX_STEPS + 1];
	unsigned nrefs;
};

/* Keys of key=value words; HOLD..UNTOUCHED are bare words (reply flags, in bit order). */
/* clang-format off */
enum key {
	K_CPL, K_VCPU, K_RCX_HI, K_RAX, K_RDX, K_RAX_HI, K_RDX_HI, K_ERROR, K_DATA, K_HOLD,
	K_SCRIBBLE, K_UNTOUCHED, K_FLAGS, K_ON, K_NMSRS, K_VCPUS, K_MASK, K_FILTER, K_DEFAULT, K_FEP,
	NKEYS
};
/* clang-format on */

#define BIT(k) (1u << (k))
#define GUEST_KEYS                                                                             \
	(BIT(K_CPL) | BIT(K_VCPU) | BIT(K_RCX_HI) | BIT(K_ERROR) | BIT(K_DATA) | BIT(K_HOLD) | \
	 BIT(K_SCRIBBLE) | BIT(K_UNTOUCHED) | BIT(K_FEP))
#define HOST_KEYS (BIT(K_ON) | BIT(K_VCPU))

struct keyvals {
	uint32_t seen;
	uint64_t v[NKEYS];
	unsigned col[NKEYS];
};

#define TOKF "'%.*s'"
#define TOKA(s, len) (int)((len) > SHOWN ? SHOWN : (len)), (s)

/*
 * program_text_words.c: the words of a line and their values. Each pt_
 * function that fails sets the parse error (line, column, message) and
 * returns -1 (NULL for pointers).
 */
__attribute__((format(printf, 3, 4))) int pt_fail(struct text_parser *ps, unsigned col,
						  const char *fmt, ...);
/* The bytes of a line [s, end) are text; its words into ps->t. */
int pt_check_bytes(struct text_parser *ps, const char *s, const char *end);
int pt_tokenize(struct text_parser *ps, const char *s, const char *end);
bool pt_tok_is(const struct tok *t, const char *w);
/* Column just past word i: where a missing word was expected. */
unsigned pt_col_after(const struct text_parser *ps, unsigned i);
/* A number <= max; name is "'key='" for a key's value, else what the word is. */
int pt_get_num(struct text_parser *ps, unsigned col, const char *s, unsigned len, const char *name,
	       uint64_t max, uint64_t *out);
/* An MSR name or a number below 2^32. */
int pt_get_index(struct text_parser *ps, unsigned col, const char *s, unsigned len, uint32_t *out);
/* Reasons joined by '|' (names, none, numbers), ORed. */
int pt_get_reasons(struct text_parser *ps, unsigned col, const char *s, unsigned len,
		   uint64_t *out);
/* A filter number or none; a number is checked to be defined at the end (ps->refs). */
int pt_get_filter_ref(struct text_parser *ps, unsigned col, const char *s, unsigned len,
		      uint64_t *out);
/* One key=value word (or bare flag) of the keys in allowed; what names the statement. */
int pt_parse_key(struct text_parser *ps, const struct tok *t, uint32_t allowed, struct keyvals *kv,
		 const char *what);
/* Words from..nt, each a key of allowed. */
int pt_parse_keys(struct text_parser *ps, unsigned from, uint32_t allowed, struct keyvals *kv,
		  const char *what);
/* vcpu= below the program's vCPU count, into s. */
int pt_check_vcpu(struct text_parser *ps, const struct keyvals *kv, struct step *s);
/* The next step of the program, of kind, on this line. */
struct step *pt_new_step(struct text_parser *ps, uint8_t kind);
/* Word i, which must be there and not be a key=value word. */
const struct tok *pt_positional(struct text_parser *ps, unsigned i, const char *what);

#endif
