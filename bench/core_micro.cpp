// Microbenchmark of the core steps of auth.verify, without PostgreSQL: where do the
// microseconds go? (bench/README.md, "Profiling"). Not part of ctest.
//
//   tg_core_micro [ITERATIONS [ALG [STEP]]]
//
// With STEP (parse, signature, claims or all) only that loop runs, once: meant for
// `perf stat -e instructions:u`, whose counts a busy machine does not disturb.
//
// For HS256, RS256, ES256 and EdDSA: signs one token shaped like bench/run.sh's (header with
// kid, payload {"n","exp","iat","sub"}), then times parse_token, verify_signature,
// check_claims and the three together, and prints ns per call (median of 5 runs).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "core/jose.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using tg::core::Alg;

template <class F>
double ns_per_call(long iterations, F&& f) {
  std::vector<double> runs;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = Clock::now();
    for (long i = 0; i < iterations; ++i) f();
    runs.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / iterations);
  }
  std::sort(runs.begin(), runs.end());
  return runs[2];
}

}  // namespace

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::max(1L, std::atol(argv[1])) : 100000;
  const double now = static_cast<double>(std::time(nullptr));
  const std::string payload = "{\"n\":12345,\"exp\":" + std::to_string(static_cast<long>(now) + 86400) +
                              ",\"iat\":" + std::to_string(static_cast<long>(now)) + ",\"sub\":\"user-12345\"}";
  tg::core::ClaimRules rules;
  rules.now = now;
  std::printf("%-6s %10s %10s %10s %10s   (ns per call)\n", "alg", "parse", "signature", "claims", "all");
  const std::string only = argc > 2 ? argv[2] : "";
  const std::string step = argc > 3 ? argv[3] : "";
  for (Alg alg : {Alg::HS256, Alg::RS256, Alg::ES256, Alg::EdDSA}) {
    if (!only.empty() && only != tg::core::alg_name(alg)) continue;
    const tg::core::Key key = tg::core::Key::generate(alg);
    const std::string token = tg::core::sign_token(key, std::string("bench-") + tg::core::alg_name(alg), payload);
    const tg::core::ParsedToken parsed = tg::core::parse_token(token);
    const long n = tg::core::alg_is_hmac(alg) ? iterations : iterations / 50;
    const auto parse_step = [&] { (void)tg::core::parse_token(token); };
    const auto signature_step = [&] { tg::core::verify_signature(parsed, key); };
    const auto claims_step = [&] { tg::core::check_claims(parsed, rules); };
    const auto all_step = [&] {
      const tg::core::ParsedToken p = tg::core::parse_token(token);
      tg::core::verify_signature(p, key);
      tg::core::check_claims(p, rules);
    };
    if (!step.empty()) {
      for (long i = 0; i < iterations; ++i) {
        if (step == "parse") parse_step();
        else if (step == "signature") signature_step();
        else if (step == "claims") claims_step();
        else all_step();
      }
      continue;
    }
    const double parse = ns_per_call(n, parse_step);
    const double sig = ns_per_call(n, signature_step);
    const double claims = ns_per_call(n, claims_step);
    const double all = ns_per_call(n, all_step);
    std::printf("%-6s %10.0f %10.0f %10.0f %10.0f\n", tg::core::alg_name(alg), parse, sig, claims, all);
  }
  return 0;
}
