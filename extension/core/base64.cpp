// The base64 codec (see base64.hpp), and the base64url helpers of jose.hpp on top of it.
#include "core/base64.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/jose.hpp"

namespace tg::core {
namespace {

constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kStandard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kPasslib[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./";

// Sextet of every byte; 0xFF for bytes outside the alphabet.
struct DecodeTable {
  unsigned char v[256];
  constexpr explicit DecodeTable(const char* alphabet) : v() {
    for (int i = 0; i < 256; ++i) v[i] = 0xFF;
    for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(alphabet[i])] = static_cast<unsigned char>(i);
  }
};
constexpr DecodeTable kUrlDecode(kUrl);
constexpr DecodeTable kStandardDecode(kStandard);
constexpr DecodeTable kPasslibDecode(kPasslib);

const char* encode_table(Base64Alphabet alphabet) noexcept {
  switch (alphabet) {
    case Base64Alphabet::Standard: return kStandard;
    case Base64Alphabet::Passlib: return kPasslib;
    case Base64Alphabet::Url: break;
  }
  return kUrl;
}

const DecodeTable& decode_table(Base64Alphabet alphabet) noexcept {
  switch (alphabet) {
    case Base64Alphabet::Standard: return kStandardDecode;
    case Base64Alphabet::Passlib: return kPasslibDecode;
    case Base64Alphabet::Url: break;
  }
  return kUrlDecode;
}

}  // namespace

std::string base64_encode(std::string_view bytes, Base64Alphabet alphabet, bool padded) {
  const char* const kAlphabet = encode_table(alphabet);
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t(static_cast<unsigned char>(bytes[i])) << 16) |
                            (std::uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                            std::uint32_t(static_cast<unsigned char>(bytes[i + 2]));
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t(static_cast<unsigned char>(bytes[i])) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t(static_cast<unsigned char>(bytes[i])) << 16) |
                            (std::uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  if (padded && rest != 0) out.append(3 - rest, '=');
  return out;
}

std::optional<std::size_t> base64_decode_into(std::string_view text, Base64Alphabet alphabet, char* out,
                                              std::size_t capacity) noexcept {
  const DecodeTable& kDecode = decode_table(alphabet);
  const std::size_t rest = text.size() % 4;
  if (rest == 1) return std::nullopt;  // no byte count encodes to this length
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t full = text.size() - rest;
  const std::size_t size = full / 4 * 3 + (rest == 0 ? 0 : rest - 1);
  if (size > capacity) return std::nullopt;
  char* o = out;
  unsigned bad = 0;  // OR of every sextet: 0xFF marks a byte outside the alphabet
  for (std::size_t i = 0; i < full; i += 4) {
    const unsigned a = kDecode.v[in[i]], b = kDecode.v[in[i + 1]], c = kDecode.v[in[i + 2]], d = kDecode.v[in[i + 3]];
    bad |= a | b | c | d;
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    *o++ = static_cast<char>(v >> 16);
    *o++ = static_cast<char>(v >> 8);
    *o++ = static_cast<char>(v);
  }
  if (rest != 0) {
    const unsigned a = kDecode.v[in[full]], b = kDecode.v[in[full + 1]];
    const unsigned c = rest == 3 ? kDecode.v[in[full + 2]] : 0;
    bad |= a | b | c;
    if (bad > 63) return std::nullopt;
    // Leftover bits (4 of b for one byte, 2 of c for two) must be zero, otherwise several texts
    // would decode alike.
    if (rest == 2) {
      if ((b & 0x0F) != 0) return std::nullopt;
      *o++ = static_cast<char>((a << 2) | (b >> 4));
    } else {
      if ((c & 0x03) != 0) return std::nullopt;
      *o++ = static_cast<char>((a << 2) | (b >> 4));
      *o++ = static_cast<char>(((b & 0x0F) << 4) | (c >> 2));
    }
  }
  if (bad > 63) return std::nullopt;
  return size;
}

std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet, bool padded) {
  if (padded) {
    // '=' up to a multiple of 4: exactly as many as the unpadded length leaves over.
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    text.remove_suffix(pad);
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out(text.size() / 4 * 3 + 2, '\0');  // at least the decoded size
  const std::optional<std::size_t> size = base64_decode_into(text, alphabet, out.data(), out.size());
  if (!size) return std::nullopt;
  out.resize(*size);
  return out;
}

std::string base64url_encode(std::string_view bytes) { return base64_encode(bytes, Base64Alphabet::Url); }

std::optional<std::string> base64url_decode(std::string_view text) { return base64_decode(text, Base64Alphabet::Url); }

std::optional<std::size_t> base64url_decode_into(std::string_view text, char* out, std::size_t capacity) noexcept {
  return base64_decode_into(text, Base64Alphabet::Url, out, capacity);
}

bool SignatureBytes::assign_base64url(std::string_view text) {
  on_heap_ = false;
  heap_.clear();
  if (const auto n = base64url_decode_into(text, inline_, kInline)) {
    size_ = *n;
    return true;
  }
  if (text.size() / 4 * 3 + 2 <= kInline) return false;  // it would have fit: not canonical
  std::optional<std::string> bytes = base64url_decode(text);
  if (!bytes) return false;
  heap_ = std::move(*bytes);
  on_heap_ = true;
  return true;
}

}  // namespace tg::core
