// Types and constants only: the library is loaded with dlopen on first use.
#include <lz4frame.h>
