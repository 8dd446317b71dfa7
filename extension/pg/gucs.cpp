// The token settings: plain globals written only by the GUC machinery.
#include "pg/gucs.hpp"

extern "C" {
#include "postgres.h"

#include "utils/guc.h"
}

namespace {

int leeway_guc = 30;
int max_token_size_guc = 16384;
char* issuer_guc = nullptr;
char* audience_guc = nullptr;

}  // namespace

namespace tg::pg {

void define_token_gucs() {
  DefineCustomIntVariable("tenantgate.leeway", "Clock skew, in seconds, allowed when checking exp, nbf and iat.",
                          nullptr, &leeway_guc, 30, 0, 300, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("tenantgate.max_token_size", "Largest token, in bytes, that is even looked at.", nullptr,
                          &max_token_size_guc, 16384, 1024, 1048576, PGC_SUSET, GUC_UNIT_BYTE, nullptr, nullptr,
                          nullptr);
  DefineCustomStringVariable("tenantgate.issuer", "Required iss claim of verified tokens; empty: not checked.", nullptr,
                             &issuer_guc, "", PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("tenantgate.audience",
                             "Required aud claim (or element of it) of verified tokens; empty: not checked.", nullptr,
                             &audience_guc, "", PGC_SUSET, 0, nullptr, nullptr, nullptr);
}

int leeway_seconds() noexcept { return leeway_guc; }
int max_token_bytes() noexcept { return max_token_size_guc; }
const char* issuer() noexcept { return issuer_guc != nullptr ? issuer_guc : ""; }
const char* audience() noexcept { return audience_guc != nullptr ? audience_guc : ""; }

}  // namespace tg::pg
