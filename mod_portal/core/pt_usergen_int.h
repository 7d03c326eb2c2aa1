/*
 * pt_usergen_int.h -- the word lists pt_usergen.c draws from (defined in
 * pt_usergen_words.c).  Private to those two files.  Each list is
 * NULL-terminated and has no duplicates.
 */
#ifndef PT_USERGEN_INT_H
#define PT_USERGEN_INT_H

extern const char *const pt_ug_first[];     /* given names */
extern const char *const pt_ug_last[];      /* family names */
extern const char *const pt_ug_street[];    /* street names */
extern const char *const pt_ug_suffix[];    /* Street, Avenue, ... */
extern const char *const pt_ug_city[];      /* town names */
extern const char *const pt_ug_state[];     /* US state codes */

#endif /* PT_USERGEN_INT_H */
