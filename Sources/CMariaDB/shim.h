// MariaDB Connector/C types and constants only: libmariadb.so.3 is loaded
// with dlopen on first use (LibMariaDB.swift).
#include <mariadb/mysql.h>
