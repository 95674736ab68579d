/*
 * client_ip: who an anonymous caller is, by address. The socket's peer is the
 * client, unless the peer is one of GQLD_TRUSTED_PROXIES: then the client is
 * the right-most X-Forwarded-For entry that is not itself a trusted proxy
 * (each proxy appends the address it saw, so the entries a client wrote
 * itself are to the left of the first one a trusted proxy wrote). Under the
 * Lambda front door the peer is a socketpair and API Gateway's sourceIp comes
 * in X-Gqld-Source-Ip, a header the front door sets (a client's is dropped).
 */
#ifndef GQLD_CLIENT_IP_H
#define GQLD_CLIENT_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

/* One address block: IPv4 addresses are kept as IPv4-mapped IPv6 (::ffff:a.b.c.d), prefix counted there. */
typedef struct client_ip_block {
    uint8_t addr[16];
    unsigned prefix; /* 0..128 */
} client_ip_block;

/*
 * Parses a comma-separated list of addresses and CIDR blocks (blanks around
 * entries allowed; "" is an empty list) into blocks[0..max). Returns how many
 * there are (even beyond max, which may be 0 to only count and check), or -1
 * on a malformed entry.
 */
int client_ip_parse_cidrs(const char *list, client_ip_block *blocks, size_t max);

/* True when addr (16 bytes, IPv4 mapped) is in one of the blocks. */
bool client_ip_in(const client_ip_block *blocks, size_t n, const uint8_t addr[16]);

/* Text (IPv4 or IPv6) to 16 bytes, IPv4 mapped; false when it is no address. */
bool client_ip_parse(const char *text, size_t len, uint8_t out[16]);

enum { CLIENT_IP_TEXT = 48 }; /* an address as text, NUL included */

/* The client's address (16 bytes, IPv4 mapped); false when none can be told. */
bool client_ip_addr(h2o_req_t *req, const client_ip_block *trusted, size_t ntrusted, uint8_t addr[16]);

/* The client's address as text ("192.0.2.1", "2001:db8::1"; "unknown" when none can be told) into out. */
void client_ip_of(h2o_req_t *req, const client_ip_block *trusted, size_t ntrusted, char out[CLIENT_IP_TEXT]);

#endif
