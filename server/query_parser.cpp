#include "query_parser.hpp"

#include <set>

#include "core/ascii.hpp"

namespace tg::server {
namespace {

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else return false;
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    i += len;
  }
  return true;
}

long long parse_count(const std::string& v, long long max, const char* what) {
  if (v.empty() || v.size() > 18) throw QueryError(what);
  for (char c : v)
    if (c < '0' || c > '9') throw QueryError(what);
  long long n = std::stoll(v);
  if (n > max) throw QueryError(what);
  return n;
}

std::vector<std::string> split_commas(const std::string& v) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto comma = v.find(',', start);
    out.push_back(v.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// in.(a,"b,c","d\"e") → items; quotes allow commas and parentheses, backslash escapes.
std::vector<std::string> parse_in_list(const std::string& v) {
  if (v.size() < 2 || v.front() != '(' || v.back() != ')') throw QueryError("invalid filter");
  std::string body = v.substr(1, v.size() - 2);
  std::vector<std::string> items;
  if (body.empty()) return items;
  std::size_t i = 0;
  for (;;) {
    std::string item;
    if (i < body.size() && body[i] == '"') {
      ++i;
      bool closed = false;
      while (i < body.size()) {
        char c = body[i++];
        if (c == '\\' && i < body.size()) {
          item.push_back(body[i++]);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          item.push_back(c);
        }
      }
      if (!closed || (i < body.size() && body[i] != ',')) throw QueryError("invalid filter");
    } else {
      while (i < body.size() && body[i] != ',') {
        if (body[i] == '"' || body[i] == '(' || body[i] == ')') throw QueryError("invalid filter");
        item.push_back(body[i++]);
      }
    }
    items.push_back(item);
    if (i >= body.size()) break;
    ++i;  // the comma
    if (i >= body.size()) throw QueryError("invalid filter");
  }
  return items;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= s.size()) throw QueryError("invalid query");
      int hi = core::hex_digit_value(s[i + 1]), lo = core::hex_digit_value(s[i + 2]);
      if (hi < 0 || lo < 0) throw QueryError("invalid query");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::multimap<std::string, std::string> parse_query_string(const std::string& target) {
  std::multimap<std::string, std::string> out;
  auto q = target.find('?');
  if (q == std::string::npos) return out;
  std::string qs = target.substr(q + 1);
  auto hash = qs.find('#');
  if (hash != std::string::npos) qs.resize(hash);
  std::size_t start = 0;
  while (start <= qs.size()) {
    auto amp = qs.find('&', start);
    if (amp == std::string::npos) amp = qs.size();
    std::string pair = qs.substr(start, amp - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq));
      std::string value = eq == std::string::npos ? std::string() : percent_decode(pair.substr(eq + 1));
      out.emplace(std::move(key), std::move(value));
    }
    start = amp + 1;
  }
  return out;
}

bool is_clean_text(const std::string& s) noexcept {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return valid_utf8(s);
}

bool is_valid_name(const std::string& name) noexcept {
  return !name.empty() && name.size() <= 63 && is_clean_text(name);
}

nlohmann::json parse_query(const std::multimap<std::string, std::string>& params, const QueryLimits& limits) {
  using nlohmann::json;
  json q = {{"select", nullptr},
            {"filters", json::array()},
            {"order", json::array()},
            {"limit", limits.max_rows},
            {"offset", 0}};
  std::set<std::string> seen_special;
  std::size_t values = 0;
  for (const auto& [key, value] : params) {
    if (!is_clean_text(key) || !is_clean_text(value)) throw QueryError("invalid query");
    if (key == "select" || key == "order" || key == "limit" || key == "offset") {
      if (!seen_special.insert(key).second) throw QueryError("invalid query");
    }
    if (key == "select") {
      if (value == "*") continue;
      json cols = json::array();
      for (const auto& c : split_commas(value)) {
        if (!is_valid_name(c)) throw QueryError("invalid query");
        cols.push_back(c);
      }
      q["select"] = cols;
    } else if (key == "order") {
      for (const auto& item : split_commas(value)) {
        // col[.asc|.desc][.nullsfirst|.nullslast]; the column is everything before the first
        // modifier, so a column name may not contain '.'.
        std::vector<std::string> segs;
        std::size_t s = 0;
        for (;;) {
          auto dot = item.find('.', s);
          segs.push_back(item.substr(s, dot == std::string::npos ? std::string::npos : dot - s));
          if (dot == std::string::npos) break;
          s = dot + 1;
        }
        if (segs.size() > 3 || !is_valid_name(segs[0])) throw QueryError("invalid query");
        json o = {{"col", segs[0]}, {"dir", "asc"}, {"nulls", nullptr}};
        for (std::size_t k = 1; k < segs.size(); ++k) {
          if ((segs[k] == "asc" || segs[k] == "desc") && k == 1) o["dir"] = segs[k];
          else if (segs[k] == "nullsfirst") o["nulls"] = "first";
          else if (segs[k] == "nullslast") o["nulls"] = "last";
          else throw QueryError("invalid query");
        }
        q["order"].push_back(o);
      }
      if (q["order"].size() > limits.max_filters) throw QueryError("invalid query");
    } else if (key == "limit") {
      long long n = parse_count(value, 1000000000000LL, "invalid query");
      q["limit"] = n < limits.max_rows ? n : limits.max_rows;
    } else if (key == "offset") {
      q["offset"] = parse_count(value, 1000000000000000LL, "invalid query");
    } else {
      if (!is_valid_name(key)) throw QueryError("invalid filter");
      json f = {{"col", key}, {"not", false}};
      std::string rest = value;
      if (rest.rfind("not.", 0) == 0) {
        f["not"] = true;
        rest = rest.substr(4);
      }
      auto dot = rest.find('.');
      if (dot == std::string::npos) throw QueryError("invalid filter");
      std::string op = rest.substr(0, dot);
      std::string arg = rest.substr(dot + 1);
      f["op"] = op;
      if (op == "eq" || op == "neq" || op == "lt" || op == "lte" || op == "gt" || op == "gte" || op == "like" ||
          op == "ilike") {
        f["val"] = arg;
        ++values;
      } else if (op == "in") {
        auto items = parse_in_list(arg);
        values += items.size();
        f["vals"] = items;
      } else if (op == "is") {
        if (arg != "null" && arg != "not_null" && arg != "true" && arg != "false" && arg != "unknown")
          throw QueryError("invalid filter");
        f["val"] = arg;
      } else {
        throw QueryError("unknown operator");
      }
      q["filters"].push_back(f);
      if (q["filters"].size() > limits.max_filters || values > limits.max_values) throw QueryError("invalid query");
    }
  }
  return q;
}

}  // namespace tg::server
