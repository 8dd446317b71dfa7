// The project's one base64 codec (RFC 4648), in the three alphabets tenantgate meets: base64url
// for JOSE (§5), standard base64 (§4) for passlib's scrypt and Django hashes, and passlib's
// "ab64" (standard with '.' for '+') for its PBKDF2 hashes.
//
// Decoding is strict: only the alphabet's characters, no whitespace, a length that some byte
// count encodes to (length % 4 != 1), and zero unused trailing bits — so one byte string has
// exactly one accepted text (JWT-21). Unpadded by default; `padded` requires the '=' padding
// to a multiple of 4 (Django) instead. The base64url_* names in jose.hpp are this codec with
// Base64Alphabet::Url, unpadded.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tg::core {

enum class Base64Alphabet {
  Url,       // A-Z a-z 0-9 - _
  Standard,  // A-Z a-z 0-9 + /
  Passlib,   // A-Z a-z 0-9 . /   (passlib's ab64)
};

std::string base64_encode(std::string_view bytes, Base64Alphabet alphabet, bool padded = false);
std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet, bool padded = false);
// Unpadded, into out[0..capacity): the decoded size, or nullopt (not canonical, or too long).
std::optional<std::size_t> base64_decode_into(std::string_view text, Base64Alphabet alphabet, char* out,
                                              std::size_t capacity) noexcept;

}  // namespace tg::core
