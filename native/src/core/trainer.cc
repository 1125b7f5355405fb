// The training loop (see trainer.h): epochs of TrainStep, then ValidationEpoch and EndEpoch; the steps themselves
// live in train_step.cc, validation_epoch.cc, end_epoch.cc and training_run.cc.
#include "core/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/training_run.h"

namespace pipe_core {

namespace {

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void SetLearningRate(TrainingRun& run, double lr) {
  for (auto& group : run.optimizer->param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
}

// Seconds this rank's steps have stood still waiting for the loader threads (0 for a rank without a batch).
double LoaderWaitSeconds(const TrainingRun& run) { return run.train_batches ? run.train_batches->waited_seconds() : 0; }

// The iteration event every progress_every iterations and at the end of the epoch (for the step `losses` came from).
void EmitIteration(const TrainingRun& run, const ReadLosses& losses, double lr, double elapsed) {
  const TrainOptions& o = run.options;
  const int64_t done = losses.iteration + 1;
  if (done % std::max<int64_t>(o.progress_every, 1) != 0 && done != o.iterations_per_epoch) return;
  ProgressEvent ev;
  ev.kind = "iteration";
  ev.epoch = losses.epoch;
  ev.epochs = o.epochs;
  ev.iteration = done;
  ev.iterations = o.iterations_per_epoch;
  ev.loss = losses.total;
  ev.head_losses = losses.heads;
  ev.lr = lr;
  ev.samples_per_s = elapsed > 0 ? losses.samples / elapsed : 0;
  ev.loader_wait_s = losses.loader_wait_s;
  Emit(run, ev);
}

// Reads the steps the readback holds beyond its lag (all of them when `drain`): epoch loss sums, divergence check,
// iteration events.
void ReadSteps(TrainingRun& run, LossReadback& readback, bool drain, double lr, double elapsed_before,
               std::chrono::steady_clock::time_point t_epoch) {
  while (drain ? !readback.Empty() : readback.Due()) {
    const ReadLosses losses = readback.Pop();
    CheckFinite(run, losses);
    run.state.partial_loss_sum += losses.total;
    run.state.partial_loss_count += 1;
    if (run.emit) EmitIteration(run, losses, lr, elapsed_before + SecondsSince(t_epoch));
  }
}

TrainResult Finish(TrainingRun& run) {
  TrainResult& r = run.result;
  r.epochs_completed = run.state.epoch;
  r.train_loss = run.state.train_loss;
  r.val_loss = run.state.val_loss;
  r.pseudo_dice = run.state.pseudo_dice;
  r.ema = run.state.ema;
  r.best_ema = run.state.best_ema;
  r.seconds = SecondsSince(run.started);
  r.loader_wait_s = LoaderWaitSeconds(run);
  r.weights_digest = WeightsDigest(run.net->parameters());
  if (run.dist) run.dist->Barrier();  // no rank leaves before rank 0 has written its checkpoint
  return r;
}

}  // namespace

std::string WeightsDigest(const std::vector<torch::Tensor>& tensors) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the raw bytes
  for (const auto& t : tensors) {
    const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    const auto* bytes = static_cast<const unsigned char*>(c.data_ptr());
    for (size_t i = 0; i < c.nbytes(); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

double PolyLr(double lr0, int64_t epoch, int64_t epochs, double exponent) {
  return lr0 * std::pow(1.0 - static_cast<double>(epoch) / static_cast<double>(epochs), exponent);
}

TrainResult Train(const TrainOptions& o, const ProgressFn& on_progress, const std::atomic<bool>* abort) {
  CheckTrainOptions(o);
  std::unique_ptr<TrainingRun> owned = SetUpRun(o, on_progress, abort);
  TrainingRun& run = *owned;
  TrainState& state = run.state;
  // One process stops when asked; several ranks stop where they agreed after a step (summed flags, TrainStep).
  auto stop = [&]() { return run.dist ? run.agreed_stop : (abort && abort->load()); };
  LossReadback readback(ReadbackLag(run.device, run.dist != nullptr, run.scaler.enabled()));
  for (; state.epoch < o.epochs; ++state.epoch) {
    const double lr = PolyLr(o.lr, state.epoch, o.epochs, o.poly_exponent);
    SetLearningRate(run, lr);
    run.net->train();
    const auto t_epoch = std::chrono::steady_clock::now();
    for (; state.iteration < o.iterations_per_epoch; ++state.iteration) {
      if (stop()) {
        ReadSteps(run, readback, /*drain=*/true, lr, run.train_seconds, t_epoch);
        run.result.latest_checkpoint = SaveCheckpoint(run, "latest");
        run.result.aborted = true;
        return Finish(run);
      }
      const torch::Tensor values = TrainStep(run);
      run.samples += run.share.global_batch;
      ReadLosses place;
      place.epoch = state.epoch;
      place.iteration = state.iteration;
      place.samples = run.samples;
      place.loader_wait_s = LoaderWaitSeconds(run);
      readback.Push(values, place);
      ReadSteps(run, readback, /*drain=*/false, lr, run.train_seconds, t_epoch);
    }
    ReadSteps(run, readback, /*drain=*/true, lr, run.train_seconds, t_epoch);
    run.train_seconds += SecondsSince(t_epoch);
    const double train_loss = state.partial_loss_count ? state.partial_loss_sum / state.partial_loss_count
                                                       : std::numeric_limits<double>::quiet_NaN();
    state.iteration = 0;
    state.partial_loss_sum = 0;
    state.partial_loss_count = 0;
    EndEpoch(run, train_loss, ValidationEpoch(run), lr);
  }
  run.result.samples_per_s = run.train_seconds > 0 ? run.samples / run.train_seconds : 0;
  run.result.final_checkpoint = SaveCheckpoint(run, "final");
  return Finish(run);
}

}  // namespace pipe_core
