// MariaDB Connector/C's types and constants, and the type of every
// function cachalot calls. libmariadb.so.3 is not linked: LibMariaDB.swift
// looks its functions up with dlsym (ClientLibrary.swift), each typed by
// its `cachalot_<function>_fn` below, taken from the declaration in the
// library's own header, so the compiler checks every call against it.
#include <mariadb/mysql.h>

typedef __typeof__(mysql_init) *cachalot_mysql_init_fn;
typedef __typeof__(mysql_options) *cachalot_mysql_options_fn;
typedef __typeof__(mysql_real_connect) *cachalot_mysql_real_connect_fn;
typedef __typeof__(mysql_close) *cachalot_mysql_close_fn;
typedef __typeof__(mysql_errno) *cachalot_mysql_errno_fn;
typedef __typeof__(mysql_error) *cachalot_mysql_error_fn;
typedef __typeof__(mysql_set_character_set) *cachalot_mysql_set_character_set_fn;
typedef __typeof__(mysql_real_query) *cachalot_mysql_real_query_fn;
typedef __typeof__(mysql_use_result) *cachalot_mysql_use_result_fn;
typedef __typeof__(mysql_free_result) *cachalot_mysql_free_result_fn;
typedef __typeof__(mysql_field_count) *cachalot_mysql_field_count_fn;
typedef __typeof__(mysql_num_fields) *cachalot_mysql_num_fields_fn;
typedef __typeof__(mysql_fetch_fields) *cachalot_mysql_fetch_fields_fn;
typedef __typeof__(mysql_fetch_row) *cachalot_mysql_fetch_row_fn;
typedef __typeof__(mysql_fetch_lengths) *cachalot_mysql_fetch_lengths_fn;
typedef __typeof__(mysql_affected_rows) *cachalot_mysql_affected_rows_fn;
typedef __typeof__(mysql_next_result) *cachalot_mysql_next_result_fn;
typedef __typeof__(mysql_real_escape_string) *cachalot_mysql_real_escape_string_fn;
typedef __typeof__(mysql_get_server_info) *cachalot_mysql_get_server_info_fn;
typedef __typeof__(mysql_stmt_init) *cachalot_mysql_stmt_init_fn;
typedef __typeof__(mysql_stmt_prepare) *cachalot_mysql_stmt_prepare_fn;
typedef __typeof__(mysql_stmt_result_metadata) *cachalot_mysql_stmt_result_metadata_fn;
typedef __typeof__(mysql_stmt_close) *cachalot_mysql_stmt_close_fn;
typedef __typeof__(mysql_stmt_errno) *cachalot_mysql_stmt_errno_fn;
typedef __typeof__(mysql_stmt_error) *cachalot_mysql_stmt_error_fn;
