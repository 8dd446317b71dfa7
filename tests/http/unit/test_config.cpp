// Unit tests of the server's configuration: the --config file (systemd EnvironmentFile syntax),
// its place between the environment and the flags, and what a SIGHUP reload may apply.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#include "config.hpp"

using namespace tg::server;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// A --config file in a private temporary directory, removed with the object.
class TempFile {
 public:
  TempFile() {
    char dir[] = "/tmp/tg-config-test-XXXXXX";
    if (mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = dir;
    path_ = dir_ + "/server.env";
  }
  ~TempFile() {
    std::remove(path_.c_str());
    rmdir(dir_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  void write(const std::string& text) const { std::ofstream(path_, std::ios::trunc) << text; }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
};

bool reload(std::vector<std::string> args, Config& out, std::string& error) {
  args.insert(args.begin(), "tenantgate-server");
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (auto& a : args) argv.push_back(a.data());
  return reload_config(static_cast<int>(argv.size()), argv.data(), out, error);
}

}  // namespace

TEST(EnvFile, ReadsKeysValuesQuotesCommentsAndExport) {
  auto got = parse_env_file(
      "# comment\n"
      "; also a comment\n"
      "\n"
      "DATABASE_URL=host=db dbname=app user=shim\n"
      "  export TENANTGATE_LISTEN = 127.0.0.1:9000  \n"
      "TENANTGATE_ACCESS_LOG=\"/var/log/tg \\\"a\\\".log\"\r\n"
      "TENANTGATE_CORS_ORIGINS='https://a.example, https://b.example'\n"
      "EMPTY=\n"
      "LAST=no newline at the end");
  Pairs want = {{"DATABASE_URL", "host=db dbname=app user=shim"},
                {"TENANTGATE_LISTEN", "127.0.0.1:9000"},
                {"TENANTGATE_ACCESS_LOG", "/var/log/tg \"a\".log"},
                {"TENANTGATE_CORS_ORIGINS", "https://a.example, https://b.example"},
                {"EMPTY", ""},
                {"LAST", "no newline at the end"}};
  EXPECT_EQ(got, want);
}

TEST(EnvFile, RefusesWhatIsNoAssignmentAndNamesTheLine) {
  for (const char* bad :
       {"DATABASE_URL\n", "=value\n", "1KEY=v\n", "KEY-NAME=v\n", "KEY='open\n", "KEY=\"a\" b\n", "export\n"}) {
    try {
      parse_env_file(std::string("# first\n") + bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
    }
  }
}

TEST(ConfigFile, SitsBetweenEnvironmentAndFlags) {
  TempFile f;
  f.write("DATABASE_URL=dbname=from_file\nTENANTGATE_POOL_SIZE=3\nTENANTGATE_MAX_ROWS=77\nPGPASSFILE=/ignored\n");
  setenv("TENANTGATE_POOL_SIZE", "5", 1);
  setenv("TENANTGATE_THREADS", "9", 1);
  Config c;
  std::string error;
  ASSERT_TRUE(reload({"--config", f.path(), "--max-rows", "12"}, c, error)) << error;
  unsetenv("TENANTGATE_POOL_SIZE");
  unsetenv("TENANTGATE_THREADS");
  EXPECT_EQ(c.db, "dbname=from_file");
  EXPECT_EQ(c.pool_size, 3u);  // the file over the environment
  EXPECT_EQ(c.threads, 9u);    // the environment where the file says nothing
  EXPECT_EQ(c.max_rows, 12);   // a flag over the file
  EXPECT_EQ(c.config_file, f.path());
}

TEST(ConfigFile, ReloadSeesTheEditedFileAndRefusesABrokenOne) {
  TempFile f;
  f.write("DATABASE_URL=dbname=one\n");
  Config c;
  std::string error;
  ASSERT_TRUE(reload({"--config", f.path()}, c, error)) << error;
  EXPECT_EQ(c.db, "dbname=one");
  f.write("DATABASE_URL=dbname=two password=secret2\n");
  ASSERT_TRUE(reload({"--config", f.path()}, c, error)) << error;
  EXPECT_EQ(c.db, "dbname=two password=secret2");
  Config before = c;
  for (const char* broken : {"DATABASE_URL='unterminated\n", "TENANTGATE_POOL_SIZE=lots\nDATABASE_URL=dbname=x\n"}) {
    f.write(broken);
    error.clear();
    EXPECT_FALSE(reload({"--config", f.path()}, c, error)) << broken;
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(c.db, before.db);  // nothing of a refused file is taken
    EXPECT_EQ(error.find("secret2"), std::string::npos) << error;
  }
  std::string missing = f.path() + ".missing";
  EXPECT_FALSE(reload({"--config", missing}, c, error));
  EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
}

TEST(ConfigFile, RestartOnlyChangesNameWhatAReloadCannotApply) {
  Config a;
  Config b = a;
  b.db = "dbname=other";
  b.db_read = "";
  b.access_log = "/tmp/x.log";
  EXPECT_TRUE(restart_only_changes(a, b).empty());
  b.pool_size = a.pool_size + 1;
  b.listen_port = a.listen_port + 1;
  EXPECT_EQ(restart_only_changes(a, b), (std::vector<std::string>{"--listen", "--pool-size"}));
}
