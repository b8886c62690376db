// OpenSSL's constants, and the type of every libssl and libcrypto function
// cachalot calls, `cachalot_<function>_fn`, taken from OpenSSL's own
// headers. The libraries are not linked: OpenSSL.swift looks the functions
// up with dlsym (ClientLibrary.swift), typed by these, so the compiler
// checks every call. Options set by macros over SSL_ctrl and SSL_CTX_ctrl
// (SSL_set_tlsext_host_name, SSL_CTX_set_min_proto_version) are called
// through those two with the macros' SSL_CTRL_* constants.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

typedef __typeof__(TLS_client_method) *cachalot_TLS_client_method_fn;
typedef __typeof__(SSL_CTX_new) *cachalot_SSL_CTX_new_fn;
typedef __typeof__(SSL_CTX_free) *cachalot_SSL_CTX_free_fn;
typedef __typeof__(SSL_CTX_ctrl) *cachalot_SSL_CTX_ctrl_fn;
typedef __typeof__(SSL_CTX_set_verify) *cachalot_SSL_CTX_set_verify_fn;
typedef __typeof__(SSL_CTX_set_default_verify_paths) *cachalot_SSL_CTX_set_default_verify_paths_fn;
typedef __typeof__(SSL_CTX_load_verify_locations) *cachalot_SSL_CTX_load_verify_locations_fn;
typedef __typeof__(SSL_CTX_use_certificate_chain_file) *cachalot_SSL_CTX_use_certificate_chain_file_fn;
typedef __typeof__(SSL_CTX_use_PrivateKey_file) *cachalot_SSL_CTX_use_PrivateKey_file_fn;
typedef __typeof__(SSL_new) *cachalot_SSL_new_fn;
typedef __typeof__(SSL_free) *cachalot_SSL_free_fn;
typedef __typeof__(SSL_set_fd) *cachalot_SSL_set_fd_fn;
typedef __typeof__(SSL_ctrl) *cachalot_SSL_ctrl_fn;
typedef __typeof__(SSL_set1_host) *cachalot_SSL_set1_host_fn;
typedef __typeof__(SSL_get0_param) *cachalot_SSL_get0_param_fn;
typedef __typeof__(X509_VERIFY_PARAM_set1_ip_asc) *cachalot_X509_VERIFY_PARAM_set1_ip_asc_fn;
typedef __typeof__(SSL_connect) *cachalot_SSL_connect_fn;
typedef __typeof__(SSL_read) *cachalot_SSL_read_fn;
typedef __typeof__(SSL_write) *cachalot_SSL_write_fn;
typedef __typeof__(SSL_get_error) *cachalot_SSL_get_error_fn;
typedef __typeof__(SSL_get_verify_result) *cachalot_SSL_get_verify_result_fn;
typedef __typeof__(X509_verify_cert_error_string) *cachalot_X509_verify_cert_error_string_fn;
typedef __typeof__(ERR_get_error) *cachalot_ERR_get_error_fn;
typedef __typeof__(ERR_error_string_n) *cachalot_ERR_error_string_n_fn;
