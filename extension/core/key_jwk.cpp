// JWK (RFC 7517, RFC 7518 §6, RFC 8037 §2) ↔ OpenSSL keys. Members are checked against the one
// algorithm the key is bound to (JWT-03, JWT-16, JWT-20); coordinates and sizes are exact, so
// one key has one JWK form.
#include <openssl/err.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/key_impl.hpp"

namespace tg::core {
namespace {

[[noreturn]] void refuse(const char* detail) { throw_openssl(Reason::InvalidKey, detail); }

std::optional<std::string> string_member(const json::Value& jwk, const char* name) {
  const auto v = jwk.find(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) refuse("jwk member is not a string");
  return std::string(v->text());
}

std::optional<std::string> bytes_member(const json::Value& jwk, const char* name) {
  auto text = string_member(jwk, name);
  if (!text) return std::nullopt;
  auto bytes = base64url_decode(*text);
  if (!bytes) refuse("jwk member is not canonical base64url");
  return bytes;
}

std::string required_bytes(const json::Value& jwk, const char* name) {
  auto bytes = bytes_member(jwk, name);
  if (!bytes) refuse("jwk member missing");
  return *bytes;
}

const char* kty_for(Alg alg) noexcept {
  switch (alg_family(alg)) {
    case KeyFamily::Hmac: return "oct";
    case KeyFamily::Rsa:
    case KeyFamily::RsaPss: return "RSA";
    case KeyFamily::Ec: return "EC";
    case KeyFamily::Okp: return "OKP";
  }
  return "";
}

void check_key_ops(const json::Value& ops) {
  if (!ops.is_array()) refuse("jwk key_ops is not an array");
  bool signing = false;
  std::vector<std::string_view> seen;
  ops.for_each_element([&](const json::Value& element) {
    if (!element.is_string()) refuse("jwk key_ops is not an array of strings");
    const std::string_view op = element.text();
    for (const std::string_view earlier : seen) {
      if (earlier == op) refuse("jwk key_ops has duplicates");  // RFC 7517 §4.3
    }
    seen.push_back(op);
    if (op == "sign" || op == "verify") {
      signing = true;
    } else if (op == "encrypt" || op == "decrypt" || op == "wrapKey" || op == "unwrapKey" || op == "deriveKey" ||
               op == "deriveBits") {
      refuse("jwk key_ops not for signatures");
    }
  });
  if (!signing) refuse("jwk key_ops not for signatures");
}

const unsigned char* bytes_of(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// Big-endian unsigned integer with no leading zero octet (RFC 7518 §6.3.1.1).
BnPtr minimal_bn(const std::string& bytes) {
  if (bytes.empty() || bytes[0] == '\0') refuse("jwk integer not minimal");
  BnPtr bn(BN_bin2bn(bytes_of(bytes), static_cast<int>(bytes.size()), nullptr));
  if (!bn) throw_openssl(Reason::Internal, "bignum");
  return bn;
}

PkeyPtr build_pkey(const char* type, OSSL_PARAM_BLD* bld, bool with_private) {
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) throw_openssl(Reason::Internal, "key import");
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    refuse("jwk is not a valid key");
  }
  return PkeyPtr(pkey);
}

PkeyPtr rsa_from_jwk(const json::Value& jwk, bool keep_private) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) throw_openssl(Reason::Internal, "params");
  BnPtr n = minimal_bn(required_bytes(jwk, "n"));
  BnPtr e = minimal_bn(required_bytes(jwk, "e"));
  // The builder references the BIGNUMs until to_param(), so all of them live in this frame.
  BnPtr priv[6];
  static const char* const kPrivNames[6] = {"d", "p", "q", "dp", "dq", "qi"};
  static const char* const kParamNames[6] = {OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
                                             OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                                             OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  bool ok = OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) &&
            OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
  const bool with_private = keep_private && jwk.find("d").has_value();
  if (with_private) {
    if (jwk.find("oth").has_value()) refuse("multi-prime rsa keys are not supported");
    for (int i = 0; i < 6; ++i) {
      priv[i] = minimal_bn(required_bytes(jwk, kPrivNames[i]));
      ok = ok && OSSL_PARAM_BLD_push_BN(bld.get(), kParamNames[i], priv[i].get());
    }
  }
  if (!ok) throw_openssl(Reason::Internal, "params");
  return build_pkey("RSA", bld.get(), with_private);
}

PkeyPtr ec_from_jwk(const json::Value& jwk, Alg alg, bool keep_private) {
  const std::size_t size = ec_field_size(alg);
  const std::string x = required_bytes(jwk, "x");
  const std::string y = required_bytes(jwk, "y");
  if (x.size() != size || y.size() != size) refuse("ec coordinates not of the full size");
  const std::string point = std::string(1, '\x04') + x + y;  // uncompressed SEC1 point
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) throw_openssl(Reason::Internal, "params");
  bool ok = OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, ec_jwk_curve(alg), 0) &&
            OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  BnPtr d;
  const bool with_private = keep_private && jwk.find("d").has_value();
  if (with_private) {
    const std::string d_bytes = required_bytes(jwk, "d");
    if (d_bytes.size() != size) refuse("ec private key not of the full size");
    d.reset(BN_bin2bn(bytes_of(d_bytes), static_cast<int>(d_bytes.size()), nullptr));
    ok = ok && d && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get());
  }
  if (!ok) throw_openssl(Reason::Internal, "params");
  return build_pkey("EC", bld.get(), with_private);
}

PkeyPtr okp_from_jwk(const json::Value& jwk, bool keep_private) {
  const std::string x = required_bytes(jwk, "x");
  check_ed25519_public(x);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) throw_openssl(Reason::Internal, "params");
  bool ok = OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, x.data(), x.size());
  const bool with_private = keep_private && jwk.find("d").has_value();
  std::string d;
  if (with_private) {
    d = required_bytes(jwk, "d");
    if (d.size() != 32) refuse("ed25519 private key must be 32 bytes");
    ok = ok && OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.data(), d.size());
  }
  if (!ok) throw_openssl(Reason::Internal, "params");
  return build_pkey("ED25519", bld.get(), with_private);
}

std::string bn_base64url(const BIGNUM* bn, int pad_to) {
  std::string bytes(static_cast<std::size_t>(pad_to > 0 ? pad_to : BN_num_bytes(bn)), '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) < 0) {
    throw_openssl(Reason::Internal, "bignum");
  }
  return base64url_encode(bytes);
}

BnPtr bn_param(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) throw_openssl(Reason::Internal, "key export");
  return BnPtr(bn);
}

void add_member(std::string& out, const char* name, std::string_view value) {
  if (out.size() > 1) out += ',';
  json::append_string(out, name);
  out += ':';
  json::append_string(out, value);
}

}  // namespace

void check_jwk_metadata(const json::Value& jwk, Alg alg) {
  if (!jwk.is_object()) refuse("jwk is not an object");
  const auto kty = string_member(jwk, "kty");
  if (!kty) refuse("jwk without kty");
  if (*kty != kty_for(alg)) refuse("jwk kty does not fit the algorithm");
  const auto crv = string_member(jwk, "crv");
  const KeyFamily family = alg_family(alg);
  if (family == KeyFamily::Ec || family == KeyFamily::Okp) {
    const char* expected = family == KeyFamily::Ec ? ec_jwk_curve(alg) : "Ed25519";
    if (!crv || *crv != expected) refuse("jwk crv does not fit the algorithm");
  } else if (crv) {
    refuse("jwk crv does not fit the algorithm");
  }
  if (const auto a = string_member(jwk, "alg"); a && *a != alg_name(alg)) refuse("jwk alg does not fit");
  if (const auto use = string_member(jwk, "use"); use && *use != "sig") refuse("jwk use is not sig");
  if (const auto ops = jwk.find("key_ops")) check_key_ops(*ops);
}

bool jwk_alg_from_members(const json::Value& jwk, Alg& out) {
  if (!jwk.is_object()) refuse("jwk is not an object");
  if (const auto a = string_member(jwk, "alg")) {
    const auto alg = alg_from_name(*a);
    if (!alg) return false;
    out = *alg;
    return true;
  }
  const auto kty = string_member(jwk, "kty");
  const auto crv = string_member(jwk, "crv");
  if (!kty) return false;
  if (*kty == "RSA") {
    out = Alg::RS256;
    return true;
  }
  if (*kty == "OKP" && crv && *crv == "Ed25519") {
    out = Alg::EdDSA;
    return true;
  }
  if (*kty == "EC" && crv) {
    for (const Alg a : {Alg::ES256, Alg::ES384, Alg::ES512}) {
      if (*crv == ec_jwk_curve(a)) {
        out = a;
        return true;
      }
    }
  }
  return false;  // oct (which HS* would it be?) and unknown curves: ambiguous, refused
}

PkeyPtr pkey_from_jwk(const json::Value& jwk, Alg alg, bool keep_private) {
  check_jwk_metadata(jwk, alg);
  switch (alg_family(alg)) {
    case KeyFamily::Rsa:
    case KeyFamily::RsaPss: return rsa_from_jwk(jwk, keep_private);
    case KeyFamily::Ec: return ec_from_jwk(jwk, alg, keep_private);
    case KeyFamily::Okp: return okp_from_jwk(jwk, keep_private);
    case KeyFamily::Hmac: break;
  }
  refuse("jwk kty does not fit the algorithm");
}

std::string hmac_secret_from_jwk(const json::Value& jwk, Alg alg) {
  check_jwk_metadata(jwk, alg);
  return required_bytes(jwk, "k");
}

std::string public_jwk_of(EVP_PKEY* pkey, Alg alg, std::string_view kid) {
  std::string out = "{";
  switch (alg_family(alg)) {
    case KeyFamily::Rsa:
    case KeyFamily::RsaPss: {
      add_member(out, "kty", "RSA");
      add_member(out, "alg", alg_name(alg));
      add_member(out, "use", "sig");
      add_member(out, "kid", kid);
      add_member(out, "n", bn_base64url(bn_param(pkey, OSSL_PKEY_PARAM_RSA_N).get(), 0));
      add_member(out, "e", bn_base64url(bn_param(pkey, OSSL_PKEY_PARAM_RSA_E).get(), 0));
      break;
    }
    case KeyFamily::Ec: {
      const int size = static_cast<int>(ec_field_size(alg));
      add_member(out, "kty", "EC");
      add_member(out, "alg", alg_name(alg));
      add_member(out, "use", "sig");
      add_member(out, "kid", kid);
      add_member(out, "crv", ec_jwk_curve(alg));
      add_member(out, "x", bn_base64url(bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X).get(), size));
      add_member(out, "y", bn_base64url(bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y).get(), size));
      break;
    }
    case KeyFamily::Okp: {
      std::string x(32, '\0');
      std::size_t len = x.size();
      if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(x.data()), &len) != 1 || len != 32) {
        throw_openssl(Reason::Internal, "key export");
      }
      add_member(out, "kty", "OKP");
      add_member(out, "alg", "EdDSA");
      add_member(out, "use", "sig");
      add_member(out, "kid", kid);
      add_member(out, "crv", "Ed25519");
      add_member(out, "x", base64url_encode(x));
      break;
    }
    case KeyFamily::Hmac: refuse("hmac keys have no public form");
  }
  out += '}';
  return out;
}

}  // namespace tg::core
