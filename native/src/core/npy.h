// Read-only memory-mapped .npy arrays (NumPy format 1.0-3.0, C order, little endian) and a small writer for tests
// and tools. The header is parsed here; the payload is never copied whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pipe_core {

class NpyFile {
 public:
  explicit NpyFile(const std::string& path);  // throws std::runtime_error naming the file
  ~NpyFile();
  NpyFile(const NpyFile&) = delete;
  NpyFile& operator=(const NpyFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& descr() const { return descr_; }  // e.g. "<f4", "|i1"
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t numel() const;
  size_t item_size() const { return item_size_; }
  const void* data() const { return data_; }
  template <typename T>
  const T* as() const {
    return static_cast<const T*>(data_);
  }

 private:
  std::string path_, descr_;
  std::vector<int64_t> shape_;
  size_t item_size_ = 0;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  const void* data_ = nullptr;
};

// Writes a C-order little-endian array (descr "<f4", "|i1", "|u1", ...) atomically (core/durable_file.h: a failed
// write throws FileWriteError naming the errno and leaves no partial file).
void WriteNpy(const std::string& path, const std::string& descr, const std::vector<int64_t>& shape, const void* data,
              size_t item_size);

}  // namespace pipe_core
