// cpp-httplib 0.11.4 with our own connection loop in front of its request parser.
//
// Debian's 0.11.4 silently skips header lines without CRLF, has no header-count limit,
// percent-decodes header values, skips (reads!) oversized bodies, reads length-less bodies
// until close and carries the chunked-parsing flaws CVE-2025-46728 / CVE-2026-45352. So every
// request head is read and judged here, from the raw bytes, BEFORE httplib sees it or any body
// byte is read: strict CRLF framing, header count and size caps, exactly one valid Host,
// no Transfer-Encoding at all (chunked → 411, anything ambiguous → 400), one plain-digit
// Content-Length within the body limit (else 413), no Content-Encoding, a deadline for the
// whole request (slow clients), and origin-form targets only. httplib then parses bytes we
// already trust, and reads exactly Content-Length body bytes through our stream; whatever body
// it did not read is discarded before the next request on the connection.
// TLS is done here too (httplib's SSLServer would bypass this loop).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <httplib.h>
#include <openssl/ssl.h>

#include "request_head.hpp"

// The override below depends on httplib's private members; server/CMakeLists.txt says why
// only this version is accepted (this catches a build that bypasses that check).
static_assert(std::string_view(CPPHTTPLIB_VERSION) == "0.11.4",
              "GuardedServer overrides cpp-httplib 0.11.4's private process_and_close_socket");

namespace tg::server {

// Called for every request refused at the framing level: (remote address, status).
using RejectHook = std::function<void(const std::string&, int)>;

class GuardedServer : public httplib::Server {
 public:
  GuardedServer(FramingLimits limits, SSL_CTX* tls, RejectHook on_reject);

  // 0.11.4 listens with a backlog of 5: on a loaded machine the accept thread falls behind a
  // burst of connections, the kernel drops the SYNs and clients wait 1 s per retransmission.
  // Call after bind_to_port (listen() again only changes the backlog; the kernel caps it at
  // net.core.somaxconn).
  bool set_listen_backlog(int backlog);

 private:
  bool process_and_close_socket(socket_t sock) override;
  FramingLimits limits_;
  SSL_CTX* tls_;
  RejectHook on_reject_;
};

// Loads a PEM certificate chain and key into a new server context (TLS 1.2+); nullptr on error.
SSL_CTX* make_tls_context(const std::string& cert, const std::string& key);

}  // namespace tg::server
