// JWT-37: does the time to reject an HS256 signature depend on how many of its leading bytes
// are right? Times, interleaved over many rounds so machine noise hits every case alike:
//   1. tg::core::constant_time_equal on 32-byte MACs matching 0, 16, 31 and 32 leading bytes,
//      beside a naive byte loop on the same inputs (the control: an early-exit compare);
//   2. the whole Key::verify (HMAC-SHA256 over a token's signing input + comparison) with
//      signatures matching 0, 16 and 31 leading bytes of the correct MAC, and the correct one.
// Prints the median ns per call of each case and its ratio to the 0-bytes case. No assertion:
// a ratio near 1.00 for every case of tg::core is the expected reading.
//   tg_timing_mac [rounds]                  (default 41 rounds)
//   tg_timing_mac one KIND PREFIX ITERATIONS
//     runs only one case (KIND: ct | naive | verify) — for bench/timing.sh, which counts its
//     instructions under valgrind: a count independent of PREFIX is the noise-free reading.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/jose.hpp"

namespace {

using Clock = std::chrono::steady_clock;
volatile int sink = 0;

template <typename F>
double ns_per_call(long iterations, F&& fn) {
  auto start = Clock::now();
  for (long i = 0; i < iterations; ++i) fn();
  auto ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  return ns / static_cast<double>(iterations);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The control: the byte-by-byte early-exit comparison a timing attack exploits.
__attribute__((noinline)) bool naive_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// `correct` with every byte from position `matching` on flipped.
std::string with_prefix(const std::string& correct, std::size_t matching) {
  std::string out = correct;
  for (std::size_t i = matching; i < out.size(); ++i) out[i] = static_cast<char>(out[i] ^ 0x5a);
  return out;
}

void report(const char* title, const std::vector<std::string>& names, const std::vector<std::vector<double>>& samples) {
  std::printf("\n%s\n%-34s %12s %10s\n", title, "case", "median ns", "vs first");
  double base = median(samples[0]);
  for (std::size_t i = 0; i < names.size(); ++i) {
    double m = median(samples[i]);
    std::printf("%-34s %12.2f %10.3f\n", names[i].c_str(), m, m / base);
  }
}

}  // namespace

int run_one(const char* kind, std::size_t prefix, long iterations) {
  auto key = tg::core::Key::from_material(tg::core::Alg::HS256, "timing-bench-secret-0123456789abcdef");
  const std::string input = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0aW1pbmcifQ";
  const std::string correct = key.sign(input);
  const std::string candidate = with_prefix(correct, prefix);
  if (std::strcmp(kind, "ct") == 0) {
    for (long i = 0; i < iterations; ++i) sink = sink + tg::core::constant_time_equal(correct, candidate);
  } else if (std::strcmp(kind, "naive") == 0) {
    for (long i = 0; i < iterations; ++i) sink = sink + naive_equal(correct, candidate);
  } else if (std::strcmp(kind, "verify") == 0) {
    for (long i = 0; i < iterations; ++i) sink = sink + key.verify(input, candidate);
  } else {
    std::fprintf(stderr, "unknown kind %s\n", kind);
    return 2;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "one") == 0)
    return run_one(argv[2], static_cast<std::size_t>(std::atol(argv[3])), std::atol(argv[4]));
  int rounds = argc > 1 ? std::atoi(argv[1]) : 41;
  if (rounds < 3) rounds = 3;
  const std::size_t prefixes[] = {0, 16, 31, 32};

  // 1. The comparison alone.
  std::string mac = tg::core::random_bytes(32);
  std::vector<std::string> candidates;
  for (std::size_t p : prefixes) candidates.push_back(with_prefix(mac, p));
  std::vector<std::string> names;
  std::vector<std::vector<double>> samples(8);
  for (std::size_t p : prefixes) names.push_back("constant_time_equal, " + std::to_string(p) + " bytes right");
  for (std::size_t p : prefixes) names.push_back("naive loop (control), " + std::to_string(p) + " bytes right");
  const long compare_iterations = 2000000;
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t i = 0; i < 4; ++i) {
      const std::string& c = candidates[i];
      samples[i].push_back(
          ns_per_call(compare_iterations, [&] { sink = sink + tg::core::constant_time_equal(mac, c); }));
      samples[4 + i].push_back(ns_per_call(compare_iterations, [&] { sink = sink + naive_equal(mac, c); }));
    }
  }
  std::vector<std::string> ct_names(names.begin(), names.begin() + 4), mc_names(names.begin() + 4, names.end());
  report("32-byte MAC comparison", ct_names, {samples.begin(), samples.begin() + 4});
  report("the same inputs through a naive early-exit loop", mc_names, {samples.begin() + 4, samples.end()});

  // 2. The whole HS256 signature check.
  auto key = tg::core::Key::from_material(tg::core::Alg::HS256, "timing-bench-secret-0123456789abcdef");
  const std::string input = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0aW1pbmcifQ";
  std::string correct = key.sign(input);
  std::vector<std::string> sigs;
  std::vector<std::string> verify_names;
  for (std::size_t p : prefixes) {
    sigs.push_back(with_prefix(correct, p));
    verify_names.push_back("Key::verify HS256, " + std::to_string(p) + " bytes right");
  }
  std::vector<std::vector<double>> verify_samples(4);
  const long verify_iterations = 20000;
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = 0; i < 4; ++i)
      verify_samples[i].push_back(ns_per_call(verify_iterations, [&] { sink = sink + key.verify(input, sigs[i]); }));
  report("HS256 signature check (HMAC + comparison)", verify_names, verify_samples);
  std::printf("\n%d rounds; median of the per-round means.\n", rounds);
  return 0;
}
