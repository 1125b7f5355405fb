// .npy header parsing and mmap (see npy.h).
#include "core/npy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "core/durable_file.h"

namespace pipe_core {

namespace {

[[noreturn]] void Fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

// Value text after 'key': in the header dict, e.g. "'<f4'" or "(1, 48, 48, 48)".
std::string DictValue(const std::string& header, const std::string& key, const std::string& path) {
  const auto k = header.find("'" + key + "'");
  if (k == std::string::npos) Fail(path, "npy header has no '" + key + "' field: " + header);
  auto v = header.find(':', k);
  if (v == std::string::npos) Fail(path, "malformed npy header: " + header);
  ++v;
  while (v < header.size() && header[v] == ' ') ++v;
  if (header[v] == '(') return header.substr(v, header.find(')', v) - v + 1);
  if (header[v] == '\'') return header.substr(v + 1, header.find('\'', v + 1) - v - 1);
  auto end = header.find_first_of(",}", v);
  return header.substr(v, end - v);
}

size_t ItemSize(const std::string& descr, const std::string& path) {
  if (descr.size() < 3 || (descr[0] != '<' && descr[0] != '|'))
    Fail(path, "Expected a little-endian dtype but received " + descr);
  const char kind = descr[1];
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b') Fail(path, "unsupported npy dtype " + descr);
  return static_cast<size_t>(std::stoul(descr.substr(2)));
}

}  // namespace

NpyFile::NpyFile(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) Fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    Fail(path, "cannot stat");
  }
  map_size_ = static_cast<size_t>(st.st_size);
  if (map_size_ < 12) {
    ::close(fd);
    Fail(path, "too small to be an npy file (" + std::to_string(map_size_) + " bytes)");
  }
  map_ = ::mmap(nullptr, map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    Fail(path, std::string("mmap failed: ") + std::strerror(errno));
  }
  const auto* bytes = static_cast<const unsigned char*>(map_);
  if (std::memcmp(bytes, "\x93NUMPY", 6) != 0) Fail(path, "not an npy file (bad magic)");
  const int major = bytes[6];
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    header_len = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (static_cast<size_t>(bytes[11]) << 24);
    offset = 12;
  } else {
    Fail(path, "unsupported npy version " + std::to_string(major));
  }
  if (offset + header_len > map_size_) Fail(path, "truncated npy header");
  const std::string header(reinterpret_cast<const char*>(bytes + offset), header_len);
  descr_ = DictValue(header, "descr", path);
  item_size_ = ItemSize(descr_, path);
  if (DictValue(header, "fortran_order", path).find("False") == std::string::npos)
    Fail(path, "Fortran-order arrays are not supported (expected C order)");
  const std::string shape_text = DictValue(header, "shape", path);
  size_t pos = 1;
  while (pos < shape_text.size()) {
    while (pos < shape_text.size() && (shape_text[pos] == ' ' || shape_text[pos] == ',')) ++pos;
    if (pos >= shape_text.size() || shape_text[pos] == ')') break;
    size_t used = 0;
    shape_.push_back(std::stoll(shape_text.substr(pos), &used));
    pos += used;
  }
  data_ = bytes + offset + header_len;
  const size_t need = static_cast<size_t>(numel()) * item_size_;
  if (offset + header_len + need > map_size_)
    Fail(path, "truncated: shape " + shape_text + " needs " + std::to_string(need) + " payload bytes, file has " +
                   std::to_string(map_size_ - offset - header_len));
}

NpyFile::~NpyFile() {
  if (map_) ::munmap(map_, map_size_);
}

int64_t NpyFile::numel() const {
  int64_t n = 1;
  for (int64_t s : shape_) n *= s;
  return n;
}

void WriteNpy(const std::string& path, const std::string& descr, const std::vector<int64_t>& shape, const void* data,
              size_t item_size) {
  std::string shape_text = "(";
  int64_t n = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    shape_text += std::to_string(shape[i]) + (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
    n *= shape[i];
  }
  shape_text += ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape_text + ", }";
  const size_t unpadded = 10 + header.size() + 1;
  header += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
  const unsigned char pre[10] = {0x93,
                                 'N',
                                 'U',
                                 'M',
                                 'P',
                                 'Y',
                                 1,
                                 0,
                                 static_cast<unsigned char>(header.size() & 0xff),
                                 static_cast<unsigned char>(header.size() >> 8)};
  WriteFileAtomically(path, "npy array",
                      {std::string_view(reinterpret_cast<const char*>(pre), sizeof pre), header,
                       std::string_view(static_cast<const char*>(data), static_cast<size_t>(n) * item_size)});
}

}  // namespace pipe_core
