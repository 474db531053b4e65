/* common/prompt.h - ask the user a yes/no question on a terminal (the uninstallers). */
#ifndef KK_COMMON_PROMPT_H
#define KK_COMMON_PROMPT_H

#include <stdio.h>

#include "common/err.h"

/* Write question to out and read answers from in until one is yes/y (1) or no/n or empty
 * (0), any case, white space around ignored; anything else asks again. -1 on EOF
 * ("read confirmation: EOF", EIO) or a read error. */
int kk_prompt_yes_no(FILE *in, FILE *out, const char *question, struct kk_err *err);

#endif
