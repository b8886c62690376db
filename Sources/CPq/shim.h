// libpq's types and constants only: the library itself is loaded with
// dlopen on first use (LibPQ.swift), so nothing links against it.
#include <postgresql/libpq-fe.h>
