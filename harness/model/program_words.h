/* program_words.h - the words of the text format, shared by its parser and its printer. */
#ifndef MSREXIT_PROGRAM_WORDS_H
#define MSREXIT_PROGRAM_WORDS_H

#include <stdbool.h>
#include <stdint.h>

extern const char *const prog_reason_names[3]; /* bits 0..2 of a reason mask */
extern const char *const prog_target_names[4]; /* enum host_target; [0] is never written */
extern const char *const prog_reply_names[3]; /* REPLY_* bits 0..2 */

/* Case-insensitive comparison of the word s[0..len) with w. */
bool prog_word_is(const char *s, unsigned len, const char *w);
/* Position of the word in words[0..n), or -1. */
int prog_word_find(const char *s, unsigned len, const char *const *words, unsigned n);
/* Decimal or 0x-hex: 0, -1 for a malformed number, -2 for one beyond 64 bits. */
int prog_num_scan(const char *s, unsigned len, uint64_t *out);

#endif
