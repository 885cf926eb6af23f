#include "ocr/core/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"

namespace ocr {

namespace {

template <typename Buffer>
Buffer read_whole(const std::string& path, uint64_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw IoError(path + ": cannot open: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw IoError(path + ": is a directory");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw IoError(path + ": cannot open: " + std::strerror(errno));
  const std::streamoff size = in.tellg();
  if (size < 0) throw IoError(path + ": cannot read");
  if (uint64_t(size) > max_bytes)
    throw FormatError(path + ": file too large (" + std::to_string(size) + " bytes, at most " +
                      std::to_string(max_bytes) + ")");
  Buffer buf(static_cast<size_t>(size), 0);
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(buf.data()), size)) throw IoError(path + ": read error");
  return buf;
}

}  // namespace

MappedFile::MappedFile(const std::string& path, uint64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw IoError(path + ": cannot open: " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw IoError(path + ": is a directory");
  }
  if (uint64_t(st.st_size) > max_bytes) {
    ::close(fd);
    throw FormatError(path + ": file too large (" + std::to_string(st.st_size) + " bytes, at most " +
                      std::to_string(max_bytes) + ")");
  }
  size_ = size_t(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    const int err = errno;
    if (p == MAP_FAILED) {
      ::close(fd);
      throw IoError(path + ": cannot read: " + std::strerror(err));
    }
    data_ = static_cast<const char*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<char*>(data_), size_);
}

std::string read_file(const std::string& path, uint64_t max_bytes) {
  return read_whole<std::string>(path, max_bytes);
}

std::vector<uint8_t> read_file_data(const std::string& path, uint64_t max_bytes) {
  return read_whole<std::vector<uint8_t>>(path, max_bytes);
}

std::vector<std::string> read_text_lines(const std::string& path, size_t max_lines, size_t min_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path);
  std::vector<std::string> out;
  std::string line;
  while (out.size() < max_lines && std::getline(in, line))
    if (line.size() > min_bytes && utf8_valid(line)) out.push_back(line);
  return out;
}

void write_file_atomic(const std::string& path, const void* data, size_t size) {
  // A temporary name of this process's own: processes writing the same file at once (a kernel
  // cache, say) each write theirs whole, and the last rename wins.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw IoError("cannot write " + tmp);
    f.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!f.flush()) {
      f.close();
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw IoError("cannot write " + tmp);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw IoError("cannot rename " + tmp + " to " + path + ": " + ec.message());
  }
}

}  // namespace ocr
