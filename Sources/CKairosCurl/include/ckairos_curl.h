// One-call wrappers over libcurl's variadic functions for Swift (http runner, D-network-runners).
// Rule: no logic here. curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt take their
// value through `...`, which Swift cannot call; each wrapper passes one typed value through
// and returns libcurl's own result code. Everything else in libcurl is called directly.
#ifndef CKAIROS_CURL_H
#define CKAIROS_CURL_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

// MARK: easy options
CURLcode ckairos_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ckairos_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ckairos_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ckairos_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode ckairos_curl_easy_setopt_write_function(CURL *handle, curl_write_callback value);

// MARK: socket ownership (the http runner opens and closes libcurl's sockets itself)
// The open callback sees the address as an opaque pointer: Swift code that reads `struct
// curl_sockaddr` imports <sys/socket.h> through this module, which in an optimized build hid
// Glibc's SOCK_* constants from the rest of KairosRunners.
typedef curl_socket_t (*ckairos_curl_opensocket)(void *clientp, int purpose, const void *address);
CURLcode ckairos_curl_easy_setopt_opensocket_function(CURL *handle, ckairos_curl_opensocket value);
CURLcode ckairos_curl_easy_setopt_closesocket_function(CURL *handle, curl_closesocket_callback value);
/// socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol) for a
/// `struct curl_sockaddr *`: the descriptor or -errno.
int ckairos_curl_sockaddr_socket_cloexec(const void *address);

// MARK: easy info
CURLcode ckairos_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);

// MARK: multi options
CURLMcode ckairos_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
CURLMcode ckairos_curl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value);
CURLMcode ckairos_curl_multi_setopt_socket_function(CURLM *multi, curl_socket_callback value);
CURLMcode ckairos_curl_multi_setopt_timer_function(CURLM *multi, curl_multi_timer_callback value);

#endif
