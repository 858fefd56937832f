// libedit's readline-compatible interface (line editing and history) for `kairos cli`.
// editline/readline.h uses FILE without including stdio.h itself.
#include <stdio.h>
#include <editline/readline.h>
