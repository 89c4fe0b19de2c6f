/* trace_text.h - words and short texts for traces, shared by compare.c and trace_print. */
#ifndef MSREXIT_TRACE_TEXT_H
#define MSREXIT_TRACE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "program.h"
#include "trace.h"

/* Stable words (signatures): they never contain a value that varies between runs. */
const char *tt_reason_name(uint32_t r); /* INVAL, UNKNOWN, FILTER, none, other */
const char *tt_alt_result(const struct guest_alt *a); /* gp, ud, success */
const char *tt_alt_outcome(const struct guest_alt *a); /* exit, gp, ud, success */
const char *tt_obs_outcome(const struct guest_obs *o); /* exit, gp, ud, fault, success */
const char *tt_obs_result(const struct guest_obs *o); /* gp, ud, fault, success */
const char *tt_alt_class(const struct step *s, const struct guest_alt *a);
const char *tt_host_class(const struct host_exp *h, char *buf, size_t n); /* OK, ANY, EINVAL */
const char *tt_errno_name(int err, char *buf, size_t n);
/* ret as a word: the errno name when negative, else the number. */
const char *tt_host_ret_word(long ret, int err, char *buf, size_t n);

/* Readable texts (mismatch expected/observed, trace lines). */
const char *tt_exit_kind_text(uint32_t exit, char *buf, size_t n); /* "exit RDMSR" */
const char *tt_alt_exit_text(const struct guest_alt *a, char *buf, size_t n);
const char *tt_obs_exit_text(const struct guest_obs *o, char *buf, size_t n);
const char *tt_alt_result_text(const struct guest_alt *a, char *buf, size_t n);
const char *tt_obs_result_text(const struct guest_obs *o, char *buf, size_t n);
const char *tt_host_ret_text(long ret, int err, char *buf, size_t n);
/* Name of host value i: rip/rax/rdx, exception/vector/..., data[i]. */
const char *tt_host_val_name(uint8_t kind, unsigned i, char *buf, size_t n);

#endif
