// jsonb straight from the core's strict parse of a token payload: the bytes convertToJsonb
// (jsonb_util.c) would write for the same value, without building a JsonbValue tree first.
// A token's payload is turned into jsonb on every auth.verify, and pushJsonbValue +
// JsonbValueToJsonb were a quarter of that call. tests/regress/sql/jsonb_layout.sql checks
// byte for byte, through pageinspect, that the datums equal what jsonb_in makes.
//
// Layout (utils/jsonb.h): a container is a uint32 header (count | JB_FOBJECT or JB_FARRAY),
// one JEntry per child (an object's keys first, sorted by length and then bytes, then its
// values in the same order), then the children's data. A JEntry holds the type and the
// child's length, or — for every JB_OFFSET_STRIDE'th child — the end offset of its data with
// JENTRY_HAS_OFF. Containers and numerics start 4-byte aligned relative to the datum; the
// padding counts as part of their length.
//
// Those layouts are PostgreSQL 15's (cmake/PostgreSQL.cmake refuses any other major). In an
// assert-enabled PostgreSQL, or with the CMake option TG_JSONB_CROSSCHECK (scripts/test.sh
// turns it on), every datum is also compared byte for byte with jsonb_in's — the public path,
// pushJsonbValue + JsonbValueToJsonb — and a difference is an internal error.
#include <algorithm>
#include <cstring>
#include <string_view>

#include "pg/jsonb_build.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
}

namespace tg::pg {
namespace {

using core::json::Document;
using core::json::Node;
using core::json::Type;

// numeric_in's result for a number that is not a short integer (palloc'd).
Numeric numeric_from_text(std::string_view text) {
  char* cstring = pnstrdup(text.data(), text.size());
  return DatumGetNumeric(
      DirectFunctionCall3(numeric_in, CStringGetDatum(cstring), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

// The bytes numeric.c's make_result gives an integer (scale 0) of at most 18 digits: the short
// format, base-10000 digits with leading and trailing zero digits stripped, zero as no digits
// with weight 0 and a positive sign. Such a value never needs the long format (weight <= 4).
// numeric.h keeps these layouts private; jsonb_layout.sql checks the result byte for byte.
constexpr uint16 kNumericShort = 0x8000;
constexpr uint16 kNumericShortSign = 0x2000;
constexpr uint16 kNumericShortWeightMask = 0x003F;
constexpr int kMaxShortIntegerBytes = VARHDRSZ + 2 + 5 * 2;  // 18 digits: at most 5 base-10000 digits

int short_integer_numeric(int64 value, char* out) noexcept {
  const bool negative = value < 0;
  uint64 magnitude = negative ? 0 - static_cast<uint64>(value) : static_cast<uint64>(value);
  int16 digits[5];
  int count = 0;
  while (magnitude != 0) {  // least significant first
    digits[count++] = static_cast<int16>(magnitude % 10000);
    magnitude /= 10000;
  }
  const int weight = count - 1;
  int first = 0;  // strip trailing zero digits (the least significant ones)
  while (first < count && digits[first] == 0) ++first;
  uint16 header = kNumericShort;  // zero stays this: weight 0, positive
  if (count != 0) {
    if (negative) header |= kNumericShortSign;
    header |= static_cast<uint16>(weight) & kNumericShortWeightMask;
  }
  const int kept = count - first;
  const int size = VARHDRSZ + 2 + kept * 2;
  SET_VARSIZE(out, size);
  std::memcpy(out + VARHDRSZ, &header, 2);
  for (int i = 0; i < kept; ++i)
    std::memcpy(out + VARHDRSZ + 2 + 2 * static_cast<std::ptrdiff_t>(i), &digits[count - 1 - i], 2);
  return size;
}

struct Member {
  const char* name;
  uint32 length;
  std::size_t value;  // node index of the member's value
};

// jsonb's key order (lengthCompareJsonbStringValue): shorter first, then bytes as unsigned.
bool key_before(const Member& a, const Member& b) noexcept {
  if (a.length != b.length) return a.length < b.length;
  return std::memcmp(a.name, b.name, a.length) < 0;
}

// The datum is written in one palloc'd buffer sized from an upper bound computed over the
// nodes first, so the writer needs no capacity checks. Numbers that are not short integers get
// their numeric_in value in that first pass (kept by node index) since their size is not known
// from the text. Trivially destructible: PostgreSQL errors (out of memory, numeric range)
// longjmp through it.
class Writer {
 public:
  explicit Writer(const Document& doc) : doc_(doc) {
    std::size_t bound = VARHDRSZ;
    for (std::size_t i = 0; i < doc.size(); ++i) {
      const Node& n = doc.node(i);
      switch (n.type) {
        case Type::Object: bound += 3 + sizeof(uint32) + 2 * sizeof(JEntry) * n.count; break;
        case Type::Array: bound += 3 + sizeof(uint32) + sizeof(JEntry) * n.count; break;
        case Type::String: bound += n.length; break;
        case Type::Number:
          if (n.is_integer) {
            bound += 3 + kMaxShortIntegerBytes;
          } else {
            if (numerics_ == nullptr) numerics_ = static_cast<Numeric*>(palloc0(sizeof(Numeric) * doc.size()));
            numerics_[i] = numeric_from_text(doc.text(n));
            bound += 3 + VARSIZE_ANY(numerics_[i]);
          }
          break;
        case Type::Null:
        case Type::Bool: break;
      }
    }
    base_ = static_cast<char*>(palloc(bound));
    p_ = base_ + VARHDRSZ;
  }

  Jsonb* finish(std::size_t root) {
    uint32 ignored = 0;  // the root's JEntry is not stored (convertToJsonb drops it too)
    value(root, &ignored);
    Jsonb* result = reinterpret_cast<Jsonb*>(base_);
    SET_VARSIZE(result, p_ - base_);
    return result;
  }

 private:
  int offset() const noexcept { return static_cast<int>(p_ - base_); }

  void append(const void* data, std::size_t length) noexcept {
    std::memcpy(p_, data, length);
    p_ += length;
  }

  // Alignment is relative to the start of the datum, as in convertToJsonb.
  int pad_to_int() noexcept {
    int padding = 0;
    while ((offset() & 3) != 0) {
      *p_++ = '\0';
      ++padding;
    }
    return padding;
  }

  static void put_entry(char* at, uint32 entry) noexcept { std::memcpy(at, &entry, sizeof entry); }

  static void check_total(int64 total) {
    if (total > JENTRY_OFFLENMASK)
      ereport(ERROR,
              (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
               errmsg("total size of jsonb object elements exceeds the maximum of %u bytes", JENTRY_OFFLENMASK)));
  }

  // Writes one child's data and its JEntry at `entry_at`; `running` is the data length of the
  // container's children so far, `position` the child's place among them.
  void child(std::size_t index, char* entry_at, int64* running, uint32 position) {
    uint32 entry = 0;
    value(index, &entry);
    *running += JBE_OFFLENFLD(entry);
    check_total(*running);
    if (position % JB_OFFSET_STRIDE == 0)
      entry = (entry & JENTRY_TYPEMASK) | static_cast<uint32>(*running) | JENTRY_HAS_OFF;
    put_entry(entry_at, entry);
  }

  void key(const Member& m, char* entry_at, int64* running, uint32 position) {
    append(m.name, m.length);
    *running += m.length;
    check_total(*running);
    uint32 entry = JENTRY_ISSTRING | m.length;
    if (position % JB_OFFSET_STRIDE == 0) entry = JENTRY_ISSTRING | static_cast<uint32>(*running) | JENTRY_HAS_OFF;
    put_entry(entry_at, entry);
  }

  void value(std::size_t index, uint32* entry) {
    const Node& n = doc_.node(index);
    switch (n.type) {
      case Type::Null: *entry = JENTRY_ISNULL; return;
      case Type::Bool: *entry = n.boolean ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE; return;
      case Type::String: {
        const std::string_view text = doc_.text(n);
        append(text.data(), text.size());
        *entry = JENTRY_ISSTRING | static_cast<uint32>(text.size());
        return;
      }
      case Type::Number: {
        const int padding = pad_to_int();
        int length = 0;
        if (n.is_integer) {
          length = short_integer_numeric(n.integer, p_);
          p_ += length;
        } else {
          // The constructor made numerics_[index] for every number that is not a short integer.
          length = static_cast<int>(VARSIZE_ANY(numerics_[index]));  // NOLINT(clang-analyzer-core.NullDereference)
          append(numerics_[index], static_cast<std::size_t>(length));
        }
        *entry = JENTRY_ISNUMERIC | static_cast<uint32>(padding + length);
        return;
      }
      case Type::Array: array(index, entry); return;
      case Type::Object: object(index, entry); return;
    }
  }

  void array(std::size_t index, uint32* entry) {
    check_stack_depth();
    const Node& n = doc_.node(index);
    const int start = offset();
    pad_to_int();
    const uint32 header = n.count | JB_FARRAY;
    append(&header, sizeof header);
    char* entry_at = p_;
    p_ += sizeof(JEntry) * n.count;
    int64 running = 0;
    uint32 position = 0;
    for (std::size_t i = index + 1; i < n.end; i = doc_.node(i).end, ++position, entry_at += sizeof(JEntry))
      child(i, entry_at, &running, position);
    const int total = offset() - start;
    check_total(total);
    *entry = JENTRY_ISCONTAINER | static_cast<uint32>(total);
  }

  void object(std::size_t index, uint32* entry) {
    check_stack_depth();
    const Node& n = doc_.node(index);
    const uint32 count = n.count;
    constexpr uint32 kOnStack = 16;  // token payloads: no allocation
    Member on_stack[kOnStack];
    Member* members = count <= kOnStack ? on_stack : static_cast<Member*>(palloc(sizeof(Member) * count));
    uint32 k = 0;
    doc_.for_each_member(index, [&](std::string_view name, std::size_t value_index) {
      members[k++] = Member{name.data(), static_cast<uint32>(name.size()), value_index};
    });
    // Names are unique (the parser refused duplicates), so the order is total.
    std::sort(members, members + count, key_before);

    const int start = offset();
    pad_to_int();
    const uint32 header = count | JB_FOBJECT;
    append(&header, sizeof header);
    char* entry_at = p_;
    p_ += sizeof(JEntry) * count * 2;
    int64 running = 0;
    for (uint32 i = 0; i < count; ++i, entry_at += sizeof(JEntry)) key(members[i], entry_at, &running, i);
    for (uint32 i = 0; i < count; ++i, entry_at += sizeof(JEntry))
      child(members[i].value, entry_at, &running, i + count);
    if (members != on_stack) pfree(members);
    const int total = offset() - start;
    check_total(total);
    *entry = JENTRY_ISCONTAINER | static_cast<uint32>(total);
  }

  const Document& doc_;
  Numeric* numerics_ = nullptr;  // by node index; only numbers that are not short integers
  char* base_ = nullptr;
  char* p_ = nullptr;
};

}  // namespace

#if defined(USE_ASSERT_CHECKING) || defined(TG_JSONB_CROSSCHECK)
namespace {

// jsonb_in of the same text must give the same bytes (the Document is of a UTF-8 database's
// text, as document_jsonb requires). A value jsonb_in refuses raises jsonb_in's own error.
void crosscheck(const core::json::Document& doc, const Jsonb* built) {
  const std::string_view source = doc.source();
  const Jsonb* reference =
      DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(pnstrdup(source.data(), source.size()))));
  const Size built_size = VARSIZE(built);
  const Size reference_size = VARSIZE(reference);
  const Size common = std::min(built_size, reference_size);
  const auto* a = reinterpret_cast<const unsigned char*>(built);
  const auto* b = reinterpret_cast<const unsigned char*>(reference);
  Size at = 0;
  while (at < common && a[at] == b[at]) ++at;
  if (at < common || built_size != reference_size)
    elog(ERROR, "tenantgate: jsonb built from a token payload differs from jsonb_in's at byte %zu (sizes %zu, %zu)",
         static_cast<size_t>(at), static_cast<size_t>(built_size), static_cast<size_t>(reference_size));
}

}  // namespace
#endif

Jsonb* document_jsonb(const core::json::Document& doc) {
  Assert(doc.is_object());
  Jsonb* result = Writer(doc).finish(0);
#if defined(USE_ASSERT_CHECKING) || defined(TG_JSONB_CROSSCHECK)
  crosscheck(doc, result);
#endif
  return result;
}

}  // namespace tg::pg
