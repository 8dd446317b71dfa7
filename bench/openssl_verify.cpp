// The floor for bench/run.sh: how fast raw OpenSSL 3 verifies the very tokens the database
// signed, with the very keys it holds — no parsing of JSON, no key lookup, no SQL.
//
//   tg_openssl_verify keygen DIR        writes DIR/<ALG>.key for the 13 JWS algorithms:
//                                       HS*: a 64-character random secret (its bytes are the key),
//                                       others: a PKCS#8 PEM private key (RSA 2048, P-256/384/521,
//                                       Ed25519) — what bench/run.sh hands to auth.add_key
//   tg_openssl_verify verify DIR REPS [ALG]
//                                       for every DIR/<ALG>.tokens (one compact JWS a line), or only
//                                       ALG's, prints "<ALG> <median µs per verify over REPS runs> <tokens>"
//
// Timed per token: HMAC via EVP_MAC (key set once, re-initialised) + CRYPTO_memcmp; otherwise the
// faster of EVP_DigestVerifyInit_ex + EVP_DigestVerify on a reused EVP_MD_CTX and EVP_DigestVerify
// on a copy of a context initialised once (PSS: salt = hash length). Splitting the token and
// decoding the signature (and turning ECDSA r||s into DER) happen before the clock starts, so
// this is the cost of the cryptography alone. Every verification must succeed.
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct AlgInfo {
  const char* name;
  const char* digest;  // nullptr for EdDSA
  enum Kind { Hmac, Rsa, Pss, Ec, Ed } kind;
  const char* param;    // EC curve
  std::size_t ec_size;  // bytes of r (and of s)
};

const AlgInfo kAlgs[] = {
    {"HS256", "SHA256", AlgInfo::Hmac, nullptr, 0}, {"HS384", "SHA384", AlgInfo::Hmac, nullptr, 0},
    {"HS512", "SHA512", AlgInfo::Hmac, nullptr, 0}, {"RS256", "SHA256", AlgInfo::Rsa, nullptr, 0},
    {"RS384", "SHA384", AlgInfo::Rsa, nullptr, 0},  {"RS512", "SHA512", AlgInfo::Rsa, nullptr, 0},
    {"PS256", "SHA256", AlgInfo::Pss, nullptr, 0},  {"PS384", "SHA384", AlgInfo::Pss, nullptr, 0},
    {"PS512", "SHA512", AlgInfo::Pss, nullptr, 0},  {"ES256", "SHA256", AlgInfo::Ec, "P-256", 32},
    {"ES384", "SHA384", AlgInfo::Ec, "P-384", 48},  {"ES512", "SHA512", AlgInfo::Ec, "P-521", 66},
    {"EdDSA", nullptr, AlgInfo::Ed, nullptr, 0},
};

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "tg_openssl_verify: " << what << "\n";
  ERR_print_errors_fp(stderr);
  std::exit(1);
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct MacFree {
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};
struct SigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) fail("cannot write " + path);
}

std::string base64url_decode(const std::string& in) {
  static int table[256];
  static bool ready = false;
  if (!ready) {
    std::fill(std::begin(table), std::end(table), -1);
    const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(abc[i])] = i;
    ready = true;
  }
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    if (table[c] < 0) fail("bad base64url in a token");
    buf = (buf << 6) | static_cast<unsigned>(table[c]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  return out;
}

// JWS ECDSA signatures are r||s; EVP_DigestVerify wants DER.
std::string ecdsa_raw_to_der(const std::string& raw, std::size_t n) {
  if (raw.size() != 2 * n) fail("ECDSA signature of the wrong size");
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, static_cast<int>(n), nullptr);
  BIGNUM* s = BN_bin2bn(bytes + n, static_cast<int>(n), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) fail("ECDSA_SIG");
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

Pkey generate(const AlgInfo& a) {
  EVP_PKEY* k = nullptr;
  switch (a.kind) {
    case AlgInfo::Rsa:
    case AlgInfo::Pss: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)); break;
    case AlgInfo::Ec: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", a.param); break;
    case AlgInfo::Ed: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
    case AlgInfo::Hmac: break;
  }
  if (!k) fail(std::string("keygen ") + a.name);
  return Pkey(k);
}

int keygen(const std::string& dir) {
  for (const AlgInfo& a : kAlgs) {
    std::string path = dir + "/" + a.name + ".key";
    if (a.kind == AlgInfo::Hmac) {
      unsigned char raw[32];
      if (RAND_bytes(raw, sizeof raw) != 1) fail("RAND_bytes");
      static const char* hex = "0123456789abcdef";
      std::string secret;
      for (unsigned char b : raw) {
        secret.push_back(hex[b >> 4]);
        secret.push_back(hex[b & 15]);
      }
      write_file(path, secret);  // 64 bytes: enough for HS512's minimum
      continue;
    }
    Pkey key = generate(a);
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
      fail("PEM_write_bio_PrivateKey");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    write_file(path, std::string(data, static_cast<std::size_t>(len)));
  }
  return 0;
}

struct Prepared {
  std::string input;      // "<header>.<payload>"
  std::string signature;  // decoded (DER for ECDSA)
};

std::vector<Prepared> load_tokens(const std::string& path, const AlgInfo& a) {
  std::ifstream in(path);
  if (!in) fail("cannot read " + path);
  std::vector<Prepared> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto dot2 = line.rfind('.');
    if (dot2 == std::string::npos || line.find('.') == dot2) fail("not a compact JWS in " + path);
    Prepared p{line.substr(0, dot2), base64url_decode(line.substr(dot2 + 1))};
    if (a.kind == AlgInfo::Ec) p.signature = ecdsa_raw_to_der(p.signature, a.ec_size);
    out.push_back(std::move(p));
  }
  return out;
}

using Clock = std::chrono::steady_clock;

double time_hmac(const AlgInfo& a, const std::string& secret, const std::vector<Prepared>& toks) {
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac.get()));
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(a.digest), 0),
                         OSSL_PARAM_construct_end()};
  auto* key = reinterpret_cast<const unsigned char*>(secret.data());
  if (!ctx || EVP_MAC_init(ctx.get(), key, secret.size(), params) != 1) fail("EVP_MAC_init");
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t n_ok = 0;
  auto t0 = Clock::now();
  for (const Prepared& p : toks) {
    std::size_t len = 0;
    // A NULL key re-initializes with the key already set: the cheapest correct use of EVP_MAC.
    if (EVP_MAC_init(ctx.get(), nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(p.input.data()), p.input.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out, &len, sizeof out) != 1)
      fail("EVP_MAC");
    if (len == p.signature.size() && CRYPTO_memcmp(out, p.signature.data(), len) == 0) ++n_ok;
  }
  auto t1 = Clock::now();
  if (n_ok != toks.size()) fail(std::string(a.name) + ": a signature did not verify");
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / static_cast<double>(toks.size());
}

// One verification context initialised with the key (digest fetched, PSS parameters set).
bool init_verify(EVP_MD_CTX* ctx, const AlgInfo& a, EVP_PKEY* pkey) {
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit_ex(ctx, &pctx, a.digest, nullptr, nullptr, pkey, nullptr) != 1) return false;
  return a.kind != AlgInfo::Pss || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                                    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1);
}

// The cheaper of two correct uses of EVP, so the floor is what OpenSSL can do at best:
// (a) EVP_DigestVerifyInit_ex + EVP_DigestVerify on a reused context for every token;
// (b) a context initialised once, copied (EVP_MD_CTX_copy_ex) for every token — what
//     auth.verify does with the context it keeps per key.
double time_pkey(const AlgInfo& a, EVP_PKEY* pkey, const std::vector<Prepared>& toks, bool copy) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> tmpl(EVP_MD_CTX_new());
  if (!ctx || !tmpl || !init_verify(tmpl.get(), a, pkey)) fail("EVP_DigestVerifyInit_ex");
  std::size_t n_ok = 0;
  auto t0 = Clock::now();
  for (const Prepared& p : toks) {
    if (copy) {
      if (EVP_MD_CTX_copy_ex(ctx.get(), tmpl.get()) != 1) fail("EVP_MD_CTX_copy_ex");
    } else if (EVP_MD_CTX_reset(ctx.get()) != 1 || !init_verify(ctx.get(), a, pkey)) {
      fail("EVP_DigestVerifyInit_ex");
    }
    if (EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(p.signature.data()), p.signature.size(),
                         reinterpret_cast<const unsigned char*>(p.input.data()), p.input.size()) == 1)
      ++n_ok;
  }
  auto t1 = Clock::now();
  ERR_clear_error();
  if (n_ok != toks.size()) fail(std::string(a.name) + ": a signature did not verify");
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / static_cast<double>(toks.size());
}

int verify(const std::string& dir, int reps, const std::string& only) {
  for (const AlgInfo& a : kAlgs) {
    if (!only.empty() && only != a.name) continue;
    std::string tok_path = dir + "/" + a.name + ".tokens";
    if (!std::ifstream(tok_path)) continue;
    std::vector<Prepared> toks = load_tokens(tok_path, a);
    if (toks.empty()) fail("no tokens in " + tok_path);
    std::string key = read_file(dir + "/" + a.name + ".key");
    Pkey pkey;
    if (a.kind != AlgInfo::Hmac) {
      std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(key.data(), static_cast<int>(key.size())));
      pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
      if (!pkey) fail(std::string("cannot read the key of ") + a.name);
    }
    // Which of the two ways is faster here: decided on the first 1,000 tokens, both ways timed.
    bool copy = false;
    if (a.kind != AlgInfo::Hmac) {
      const std::vector<Prepared> probe(toks.begin(), toks.begin() + std::min<std::size_t>(toks.size(), 1000));
      copy = time_pkey(a, pkey.get(), probe, true) < time_pkey(a, pkey.get(), probe, false);
    }
    std::vector<double> runs;
    for (int r = 0; r < reps; ++r)
      runs.push_back(a.kind == AlgInfo::Hmac ? time_hmac(a, key, toks) : time_pkey(a, pkey.get(), toks, copy));
    std::sort(runs.begin(), runs.end());
    std::printf("%s %.3f %zu\n", a.name, runs[runs.size() / 2], toks.size());
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "keygen" && argc == 3) return keygen(argv[2]);
  if (cmd == "verify" && argc >= 3 && argc <= 5)
    return verify(argv[2], argc >= 4 ? std::max(1, std::atoi(argv[3])) : 5, argc == 5 ? argv[4] : "");
  std::cerr << "usage: tg_openssl_verify keygen DIR | verify DIR [REPS [ALG]]\n";
  return 2;
}
