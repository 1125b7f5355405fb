// The losses of training steps on their way to the host. Reading a loss right after its step (item()) makes the host
// wait until the device has drained, so on CUDA the device idles while the host fetches, uploads and launches the
// next step. Push starts a non-blocking copy of a step's values into pinned host memory and records an event; with a
// lag of 1 the trainer reads step k's values only after it has queued step k+1, so the device always has work.
// On the CPU (lag 0) Push and Pop are a plain read, in the same order as before.
#pragma once

#include <c10/core/Event.h>
#include <torch/torch.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace pipe_core {

// One step's values as read on the host: total loss, then one loss per head; where the step was in the run.
struct ReadLosses {
  double total = 0;
  std::vector<double> heads;
  int64_t epoch = 0, iteration = 0;  // the step's place (iteration counts from 0 within the epoch)
  int64_t samples = 0;               // global samples trained in this process once the step was done
  double loader_wait_s = 0;          // seconds this rank's steps had waited for the loader, this step's batch included
};

class LossReadback {
 public:
  explicit LossReadback(int64_t lag) : lag_(lag < 0 ? 0 : lag) {}

  // values: 1-D double tensor [total, head_1, ..., head_H] on any device (a CUDA copy is asynchronous); `place`:
  // where the step was (its total and heads are filled in by Pop).
  void Push(const torch::Tensor& values, const ReadLosses& place);

  // True when more steps are pending than the lag allows: the oldest is to be read now.
  bool Due() const { return static_cast<int64_t>(pending_.size()) > lag_; }
  bool Empty() const { return pending_.empty(); }

  // Reads the oldest pending step, waiting for its copy only (not for steps queued after it).
  ReadLosses Pop();

 private:
  struct Pending {
    torch::Tensor host;                  // pinned on CUDA, the values themselves otherwise
    std::unique_ptr<c10::Event> copied;  // recorded after the copy; null when the values are already on the host
    ReadLosses place;
  };
  int64_t lag_;
  std::deque<Pending> pending_;
};

// The lag Train() uses: 1 on CUDA for one process without an fp16 loss scaler (whose skip decision reads the
// gradient norm every step anyway), else 0. PIPE_LOSS_READBACK_LAG=0|1 overrides it (tests run the lag on the CPU;
// 0 on CUDA measures what the lag saves).
int64_t ReadbackLag(const torch::Device& device, bool distributed, bool loss_scaler);

}  // namespace pipe_core
