// Password hashes: known vectors computed outside our code, hostile imports, the default format.
//
// Every vector below was derived independently of extension/core/password.cpp, with python3's
// hashlib (OpenSSL underneath, but not our parsing/encoding) and cross-checked with the
// `openssl kdf` CLI where noted. Generators (password "correct horse" unless said otherwise):
//   Django:   python3 -c "import hashlib,base64;s='Xv9sN2qLwP4kR7tY1zA3bC';print('pbkdf2_sha256$1000$%s$%s'%(s,
//             base64.b64encode(hashlib.pbkdf2_hmac('sha256',b'correct horse',s.encode(),1000)).decode()))"
//   Werkzeug: 'pbkdf2:sha256:1000$%s$%s'%(s, hashlib.pbkdf2_hmac('sha256',pw,s.encode(),1000).hex()),
//             'scrypt:16384:8:1$%s$%s'%(s, hashlib.scrypt(pw,salt=s.encode(),n=16384,r=8,p=1,maxmem=132*16384*8).hex())
//             (werkzeug's dklen is hashlib's default 64)
//   passlib:  the Flask-era hash of "foo" from the issue; its key checked with
//             openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt pass:foo
//               -kdfopt hexsalt:e6bcb7d6fa1f83b09692124248294528 -kdfopt iter:29000 PBKDF2
//             → 8B:4D:4D:67:D7:00:24:20:… = ab64 "i01NZ9cAJCAYlXQCY2AX…"
//   ours:     salt = bytes(range(16)), hashlib.scrypt(pw, salt=salt, n=2**10, r=8, p=1, dklen=32), and
//             openssl kdf -keylen 32 -kdfopt pass:'correct horse'
//               -kdfopt hexsalt:000102030405060708090a0b0c0d0e0f -kdfopt n:1024 -kdfopt r:8 -kdfopt p:1 SCRYPT
//             → 9D:F9:23:DE:… = "nfkj3u1f…"
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "core/password.hpp"

namespace {

using tg::core::burn_password_work;
using tg::core::hash_password;
using tg::core::HashFormat;
using tg::core::identify_hash;
using tg::core::kdf_work_done;
using tg::core::KdfWork;
using tg::core::needs_rehash;
using tg::core::verify_password;

constexpr const char* kPw = "correct horse";

constexpr const char* kPasslibFoo =
    "$pbkdf2-sha256$29000$5ry31vofg7CWkhJCSClFKA$i01NZ9cAJCAYlXQCY2AXmcmJfe8eD5vZMDOy0h8tH2U";
// salt bytes fb ef be 01 ×4 (ab64 "....Afvvvg…": '.' stands for '+')
constexpr const char* kPasslibSha512 =
    "$pbkdf2-sha512$1000$....AfvvvgH7774B....AQ$g2ImfCsAYSa9UFontATuuGpTHd/"
    "SfKUIds5vfWOH5w3f2MmWD2r99LpgypsllxNgKxbsk0AYF7QR5B01TO5dTg";
constexpr const char* kDjango =
    "pbkdf2_sha256$1000$Xv9sN2qLwP4kR7tY1zA3bC$JGYnmyaV0PpOk8DW4uhuYx9bL/L/he0YNzSYSUs72NM=";
constexpr const char* kDjangoSha1 = "pbkdf2_sha1$1000$Xv9sN2qLwP4kR7tY1zA3bC$CahVpoFU+lW7xZNCe3c/I+BwufQ=";
constexpr const char* kWerkzeug =
    "pbkdf2:sha256:1000$hK3mQ9zLpR2vX8wN$c76b97a27b9d590b137c4117b5ba8232bd8fe024784ee52261cf2a19b3d9077e";
constexpr const char* kWerkzeugSha512 =
    "pbkdf2:sha512:1000$hK3mQ9zLpR2vX8wN$37d758f26ff5d8b1000080c91b8b669c2bfe69e879e49b1fd5acf9ed2b4e9ecfa57faa42a"
    "15750cc9b0646da3e63bc1b9a568c80ed2bf9aed3ff209458ca8fce";
// iterations omitted: 260000 (hashlib.pbkdf2_hmac('sha256', pw, salt, 260000))
constexpr const char* kWerkzeugNoIterations =
    "pbkdf2:sha256$hK3mQ9zLpR2vX8wN$d65a8e3c4d9e36062c2d8af51464dd9896403d2a78fe8cebd0b4448f9f3edb9d";
constexpr const char* kWerkzeugScrypt =
    "scrypt:16384:8:1$hK3mQ9zLpR2vX8wN$24abaa45e3989e7663bbc53a3c848c2acbb6386b77e70256f233c8ee93218c4bacb577463d7903"
    "8554af17454cbab3390a4ede0b5e7c1e9c0de0262a2b5d59d4";
// parameters omitted: n=32768, r=8, p=1
constexpr const char* kWerkzeugScryptNoParams =
    "scrypt$hK3mQ9zLpR2vX8wN$be90849230c0f828d19b2279c857f5aacd45d35d194cab5a8f4869ebdb30eb0d70f034f1324ac92c62c3aea"
    "ba7239b184fafc549d980f5c8852a8ca203cb29c6";
constexpr const char* kOursLn10 =
    "$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$nfkj3u1fRTHCea+fVr03sWV770kp5wLOLoEakziKhqE";
constexpr const char* kOursLn16 =
    "$scrypt$ln=16,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$AEdilbUUghuzO9l/XjztzHn0E0plniwgnETbi2/m6IM";

// The KDF work `call` costs: the difference of two readings of the thread's counter. Costs are
// asserted in work, never in time, so no assertion depends on the machine's speed or load.
template <class Call>
KdfWork work_of(Call&& call) {
  const KdfWork before = kdf_work_done();
  call();
  const KdfWork after = kdf_work_done();
  KdfWork w;
  w.derivations = after.derivations - before.derivations;
  w.pbkdf2_iterations = after.pbkdf2_iterations - before.pbkdf2_iterations;
  w.scrypt_nrp = after.scrypt_nrp - before.scrypt_nrp;
  w.scrypt_memory = after.scrypt_memory - before.scrypt_memory;
  w.password_bytes = after.password_bytes - before.password_bytes;
  return w;
}

TEST(Password, passlib_flask_hash_verifies_foo_and_not_fob) {
  EXPECT_EQ(identify_hash(kPasslibFoo), HashFormat::PasslibPbkdf2);
  EXPECT_TRUE(verify_password("foo", kPasslibFoo));
  EXPECT_FALSE(verify_password("fob", kPasslibFoo));
  EXPECT_FALSE(verify_password("", kPasslibFoo));
  EXPECT_TRUE(needs_rehash(kPasslibFoo));
}

TEST(Password, passlib_sha512_uses_dot_for_plus) {
  EXPECT_EQ(identify_hash(kPasslibSha512), HashFormat::PasslibPbkdf2);
  EXPECT_TRUE(verify_password(kPw, kPasslibSha512));
  EXPECT_FALSE(verify_password("correct horsE", kPasslibSha512));
}

TEST(Password, django_pbkdf2_sha256_and_sha1_verify) {
  EXPECT_EQ(identify_hash(kDjango), HashFormat::DjangoPbkdf2);
  EXPECT_TRUE(verify_password(kPw, kDjango));
  EXPECT_FALSE(verify_password("correct horse ", kDjango));
  EXPECT_EQ(identify_hash(kDjangoSha1), HashFormat::DjangoPbkdf2);
  EXPECT_TRUE(verify_password(kPw, kDjangoSha1));
  EXPECT_FALSE(verify_password("wrong", kDjangoSha1));
}

TEST(Password, werkzeug_pbkdf2_verifies_with_and_without_iterations) {
  EXPECT_EQ(identify_hash(kWerkzeug), HashFormat::WerkzeugPbkdf2);
  EXPECT_TRUE(verify_password(kPw, kWerkzeug));
  EXPECT_FALSE(verify_password("correct", kWerkzeug));
  EXPECT_TRUE(verify_password(kPw, kWerkzeugSha512));
  EXPECT_EQ(identify_hash(kWerkzeugNoIterations), HashFormat::WerkzeugPbkdf2);
  EXPECT_TRUE(verify_password(kPw, kWerkzeugNoIterations));
}

TEST(Password, werkzeug_scrypt_verifies_with_and_without_parameters) {
  EXPECT_EQ(identify_hash(kWerkzeugScrypt), HashFormat::WerkzeugScrypt);
  EXPECT_TRUE(verify_password(kPw, kWerkzeugScrypt));
  EXPECT_FALSE(verify_password("correct horse!", kWerkzeugScrypt));
  EXPECT_EQ(identify_hash(kWerkzeugScryptNoParams), HashFormat::WerkzeugScrypt);
  EXPECT_TRUE(verify_password(kPw, kWerkzeugScryptNoParams));
}

TEST(Password, our_scrypt_format_matches_openssl_cli_vector) {
  EXPECT_EQ(identify_hash(kOursLn10), HashFormat::TenantgateScrypt);
  EXPECT_TRUE(verify_password(kPw, kOursLn10));
  EXPECT_FALSE(verify_password("correct hors", kOursLn10));
  EXPECT_TRUE(needs_rehash(kOursLn10));  // weaker than the default
  EXPECT_TRUE(verify_password(kPw, kOursLn16));
  EXPECT_FALSE(needs_rehash(kOursLn16));  // exactly the default
}

TEST(Password, hash_password_makes_the_default_format_with_a_fresh_salt) {
  std::string a = hash_password("s3cret pass");
  std::string b = hash_password("s3cret pass");
  EXPECT_EQ(a.rfind("$scrypt$ln=16,r=8,p=1$", 0), 0U) << "default format";
  EXPECT_NE(a, b);
  EXPECT_EQ(identify_hash(a), HashFormat::TenantgateScrypt);
  EXPECT_FALSE(needs_rehash(a));
  EXPECT_TRUE(verify_password("s3cret pass", a));
  EXPECT_TRUE(verify_password("s3cret pass", b));
  EXPECT_FALSE(verify_password("s3cret pasS", a));
  EXPECT_EQ(a.find("s3cret"), std::string::npos);
}

TEST(Password, default_hash_costs_one_bounded_scrypt) {
  const KdfWork w = work_of([] { (void)hash_password("work"); });
  EXPECT_EQ(w.derivations, 1U);
  EXPECT_EQ(w.pbkdf2_iterations, 0U);
  // At least the scrypt paper's interactive-login cost (N=2^14, r=8, p=1): not too cheap to slow
  // down guessing; at most the memory an imported hash may ask for: a login is never a DoS.
  EXPECT_GE(w.scrypt_nrp, (1U << 14) * 8U) << "too cheap to slow down guessing";
  EXPECT_LE(w.scrypt_memory, 256U << 20) << "more memory per login than any import may ask";
  EXPECT_EQ(w.password_bytes, 4U);
}

TEST(Password, tampered_hashes_fail) {
  std::string h = kDjango;
  h[h.size() - 3] = h[h.size() - 3] == 'N' ? 'M' : 'N';
  EXPECT_FALSE(verify_password(kPw, h));
  std::string salt_changed = kWerkzeug;
  salt_changed[salt_changed.find('$') + 1] = 'X';
  EXPECT_FALSE(verify_password(kPw, salt_changed));
  std::string rounds_changed = kPasslibFoo;
  rounds_changed.replace(rounds_changed.find("29000"), 5, "29001");
  EXPECT_FALSE(verify_password("foo", rounds_changed));
}

TEST(Password, refuses_hostile_parameters_without_doing_the_work) {
  const char* hostile[] = {
      "pbkdf2_sha256$2000000000$salt$JGYnmyaV0PpOk8DW4uhuYx9bL/L/he0YNzSYSUs72NM=",
      "scrypt:1073741824:8:1$salt$24abaa45e3989e7663bbc53a3c848c2acbb6386b77e70256f233c8ee93218c4b",
      "scrypt:1048576:32:1$salt$24abaa45e3989e7663bbc53a3c848c2acbb6386b77e70256f233c8ee93218c4b",  // 4 GiB
      "scrypt:1000:8:1$salt$24abaa45e3989e7663bbc53a3c848c2acbb6386b77e70256f233c8ee93218c4b",      // N not 2^k
      "scrypt:16384:8:17$salt$24abaa45e3989e7663bbc53a3c848c2acbb6386b77e70256f233c8ee93218c4b",
      "$pbkdf2-sha256$0$5ry31vofg7CWkhJCSClFKA$i01NZ9cAJCAYlXQCY2AXmcmJfe8eD5vZMDOy0h8tH2U",
      "$pbkdf2-sha256$10000001$5ry31vofg7CWkhJCSClFKA$i01NZ9cAJCAYlXQCY2AXmcmJfe8eD5vZMDOy0h8tH2U",
      "$scrypt$ln=21,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$nfkj3u1fRTHCea+fVr03sWV770kp5wLOLoEakziKhqE",
      "$scrypt$ln=20,r=32,p=1$AAECAwQFBgcICQoLDA0ODw$nfkj3u1fRTHCea+fVr03sWV770kp5wLOLoEakziKhqE",
  };
  for (const char* h : hostile) {
    EXPECT_FALSE(identify_hash(h).has_value()) << h;
    const KdfWork w = work_of([&] { EXPECT_FALSE(verify_password("pw", h)) << h; });
    EXPECT_EQ(w.derivations, 0U) << h;
  }
}

TEST(Password, refuses_malformed_hashes) {
  const char* malformed[] = {
      "",
      "foo",
      "pbkdf2:sha256:",
      "pbkdf2:sha256:1000",
      "pbkdf2:md5:1000$salt$00112233445566778899aabbccddeeff",
      "pbkdf2:sha256:1000$salt$zz112233445566778899aabbccddeeff",
      "pbkdf2:sha256:01000$salt$00112233445566778899aabbccddeeff",  // leading zero
      "pbkdf2:sha256:1000$$00112233445566778899aabbccddeeff",       // empty salt
      "pbkdf2:sha256:1000$salt$0011",                               // key too short
      "pbkdf2:sha256:-1$salt$00112233445566778899aabbccddeeff",
      "pbkdf2_sha256$1000$Xv9sN2qLwP4kR7tY1zA3bC$JGYnmyaV0PpOk8DW4uhuYx9bL/L/he0YNzSYSUs72NM",  // padding gone
      "pbkdf2_sha256$1000$Xv9sN2qLwP4kR7tY1zA3bC$JGYnmyaV0PpOk8DW4uhuYx9bL/L/he0YNzSYSUs72N!=",
      "pbkdf2_md5$1000$salt$JGYnmyaV0PpOk8DW4uhuYx9bL/L/he0YNzSYSUs72NM=",
      "$pbkdf2-sha256$29000$5ry31vofg7CWkhJCSClFKA$i01NZ9cAJCAYlXQCY2AXmcmJfe8eD5vZMDOy0h8tH2U=",  // padded
      "$pbkdf2-sha256$29000$5ry31vofg7CWkhJCSClFKA$i01NZ9cAJCAYlXQCY2AX+cmJfe8eD5vZMDOy0h8tH2U",   // '+' in ab64
      "$pbkdf2-sha256$29000$5ry31vofg7CWkhJCSClFKA",
      "$pbkdf2-md5$29000$5ry31vofg7CWkhJCSClFKA$i01NZ9cAJCAYlXQCY2AXmcmJfe8eD5vZMDOy0h8tH2U",
      "$scrypt$ln=10,r=8$AAECAwQFBgcICQoLDA0ODw$nfkj3u1fRTHCea+fVr03sWV770kp5wLOLoEakziKhqE",
      "$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$nfkj3u1fRTHCea.fVr03sWV770kp5wLOLoEakziKhqE",  // '.' in b64
      "$scrypt$ln=10,r=0,p=1$AAECAwQFBgcICQoLDA0ODw$nfkj3u1fRTHCea+fVr03sWV770kp5wLOLoEakziKhqE",
      "scrypt:16384:8$salt$24abaa45e3989e7663bbc53a3c848c2acbb6386b77e70256f233c8ee93218c4b",
      "bcrypt$2b$12$abcdefghijklmnopqrstuvwxyz012345678901234567890123",
  };
  for (const char* h : malformed) {
    EXPECT_FALSE(identify_hash(h).has_value()) << h;
    EXPECT_FALSE(verify_password("correct horse", h)) << h;
    EXPECT_TRUE(needs_rehash(h)) << h;
  }
}

TEST(Password, overlong_passwords_are_refused_before_hashing) {
  std::string huge(1'000'000, 'A');
  EXPECT_THROW(hash_password(huge), tg::core::Error);
  try {
    hash_password(huge);
  } catch (const tg::core::Error& e) {
    EXPECT_EQ(e.reason(), tg::core::Reason::InvalidParameter);
  }
  const KdfWork w = work_of([&] {
    EXPECT_FALSE(verify_password(huge, kWerkzeug));
    burn_password_work(huge);
  });
  EXPECT_EQ(w.derivations, 0U);
  EXPECT_EQ(w.password_bytes, 0U);
  std::string limit(4096, 'B');
  EXPECT_TRUE(verify_password(limit, hash_password(limit)));
}

TEST(Password, burn_password_work_costs_like_a_default_verify) {
  const std::string stored = hash_password("x");
  const KdfWork verify = work_of([&] { EXPECT_FALSE(verify_password("y", stored)); });
  const KdfWork burn = work_of([] { burn_password_work("y"); });
  EXPECT_EQ(verify.derivations, 1U);
  EXPECT_EQ(burn.derivations, verify.derivations);
  EXPECT_EQ(burn.pbkdf2_iterations, verify.pbkdf2_iterations);
  EXPECT_EQ(burn.scrypt_nrp, verify.scrypt_nrp);
  EXPECT_EQ(burn.scrypt_memory, verify.scrypt_memory);
  EXPECT_EQ(burn.password_bytes, verify.password_bytes);
}

}  // namespace
