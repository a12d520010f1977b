// tests/support: helpers shared by the test programs. Temporary dirs that clean up after
// themselves, running a program with a time limit, reading and searching files.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace testing_support {

// A fresh private directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// <build dir>/bin/<name>
std::filesystem::path bin(const std::string& name);

struct ProcessResult {
  int exit_code = -1;      // exit status, or -1 if killed by a signal
  int signal = 0;          // the signal that ended it, if any
  bool timed_out = false;  // killed by run_process's time limit
  std::string out;
  std::string err;
};

// Runs argv[0] with args, no shell, stdin from /dev/null; kills it (SIGKILL) after `limit`.
ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds limit = std::chrono::seconds(120),
                          const std::vector<std::string>& extra_env = {});

// The same with stdin read from a file (e.g. the PINs `kioskctl staff add` reads twice).
ProcessResult run_process_stdin(const std::vector<std::string>& argv,
                                const std::filesystem::path& stdin_file,
                                std::chrono::milliseconds limit = std::chrono::seconds(120));

// A child process whose stdout can be read line by line as it is produced.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {});
  ~Child();  // kills (SIGKILL) and reaps the child if still running
  pid_t pid() const { return pid_; }
  // Reads whatever stdout has produced within `wait`; appends complete lines to `lines`.
  void read_lines(std::vector<std::string>& lines, std::chrono::milliseconds wait);
  // SIGKILL and reap; returns the complete lines that were still buffered in the pipe.
  std::vector<std::string> kill_and_drain();
  // Waits for exit up to `limit` (then kills); returns the exit code, -1 for a signal.
  int wait(std::chrono::milliseconds limit);

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string partial_;
};

std::string read_all(const std::filesystem::path& p);
// The non-empty lines of `s` (a program's output, a JSON-lines file), without their "\n".
std::vector<std::string> lines_of(const std::string& s);
void write_all(const std::filesystem::path& p, const std::string& data);

// UTF-16LE and UTF-16BE encodings of a UTF-8 string.
std::string utf16le(const std::string& utf8);
std::string utf16be(const std::string& utf8);

// Every regular file below `dir` whose bytes contain `needle`.
std::vector<std::filesystem::path> files_containing(const std::filesystem::path& dir,
                                                    const std::string& needle);

}  // namespace testing_support
