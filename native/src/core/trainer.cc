// The training loop (see trainer.h).
#include "core/trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>

#include "core/checkpoint.h"
#include "core/device.h"
#include "core/unetpp.h"

namespace pipe_core {

namespace {

constexpr double kInitialLossScale = 65536.0;  // fp16 loss scaler, as torch.cuda.amp.GradScaler
constexpr int64_t kScaleGrowthInterval = 2000;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Minimal dynamic loss scaling for fp16 autocast: scale the loss, unscale the grads, skip steps with inf/NaN
// gradients (halving the scale), double the scale after kScaleGrowthInterval clean steps. bf16 needs none.
struct LossScaler {
  double scale = 0;  // 0 = disabled
  int64_t growth = 0;
};

torch::Tensor ToTarget(const torch::Tensor& seg, const torch::Device& device) {
  // -1 (outside the nonzero mask / padding) counts as background, as RemoveLabelTransform(-1 -> 0) does.
  return seg.clamp_min(0).to(torch::kLong).to(device);
}

std::string Join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

void EnsureDir(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::invalid_argument("Expected an existing directory for outDir but received " + dir);
}

}  // namespace

double PolyLr(double lr0, int64_t epoch, int64_t epochs, double exponent) {
  return lr0 * std::pow(1.0 - static_cast<double>(epoch) / static_cast<double>(epochs), exponent);
}

TrainResult Train(const TrainOptions& o, const ProgressFn& on_progress, const std::atomic<bool>* abort) {
  const auto t_start = std::chrono::steady_clock::now();
  EnsureDir(o.out_dir);
  if (o.train_cases.empty()) throw std::invalid_argument("Expected at least one case for trainCases but received 0");
  if (o.epochs < 1 || o.iterations_per_epoch < 1 || o.batch_size < 1)
    throw std::invalid_argument("Expected epochs, iterationsPerEpoch and batchSize >= 1");
  const Axes3 divisor = PatchDivisor(o.network);
  for (int a = 0; a < 3; ++a)
    if (o.patch[a] % divisor[a] != 0)
      throw std::invalid_argument("Expected patchSize axis " + std::to_string(a) + " divisible by " +
                                  std::to_string(divisor[a]) + " (product of the pool kernels) but received " +
                                  std::to_string(o.patch[a]));

  TrainResult result;
  result.threads = SetThreads(o.threads);
  const torch::Device device = ParseDevice(o.device);
  const AmpMode amp = ResolveAmp(o.amp, device);
  result.device = device.str();
  result.amp = AmpName(amp);

  torch::manual_seed(o.seed);
  Rng rng(o.seed);
  UNetPlusPlus net(o.network);
  net->to(device);
  torch::optim::SGD optimizer(net->parameters(), torch::optim::SGDOptions(o.lr)
                                                     .momentum(o.momentum)
                                                     .nesterov(o.nesterov)
                                                     .weight_decay(o.weight_decay));
  TrainState state;
  LossScaler scaler;
  if (amp == AmpMode::kFp16) scaler.scale = kInitialLossScale;
  if (!o.resume_from.empty()) {
    CheckpointInfo info = LoadCheckpoint(o.resume_from, net, &optimizer, device);
    state = info.state;
    rng.SetState(state.rng_state);
    if (state.torch_rng.defined() && state.torch_rng.numel() > 0)
    {
      at::Generator gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(state.torch_rng.to(torch::kCPU));
    }
    if (amp == AmpMode::kFp16 && state.loss_scale > 0) {
      scaler.scale = state.loss_scale;
      scaler.growth = state.scaler_growth;
    }
  }

  SamplerOptions so;
  so.batch_size = o.batch_size;
  so.patch = o.patch;
  so.loader_patch = o.loader_patch[0] > 0 ? o.loader_patch : o.patch;
  so.oversample_foreground = o.oversample_foreground;
  OversamplingSampler train_sampler(OpenCases(o.train_cases), so);
  std::unique_ptr<OversamplingSampler> val_sampler;
  if (!o.val_cases.empty() && o.val_iterations > 0) {
    SamplerOptions vo = so;
    vo.loader_patch = o.patch;
    val_sampler = std::make_unique<OversamplingSampler>(OpenCases(o.val_cases), vo);
  }
  BasicAugmentOptions ao = o.augment_options;
  ao.patch = o.patch;
  if (!o.augment) {
    ao.mirror = false;
    ao.brightness_p = ao.contrast_p = ao.gamma_p = 0;
  }
  BasicAugmenter augmenter(ao);

  CheckpointMeta meta;
  meta.epochs_total = o.epochs;
  meta.iterations_per_epoch = o.iterations_per_epoch;
  meta.batch_size = o.batch_size;
  meta.patch = o.patch;
  meta.device = result.device;
  meta.amp = result.amp;
  meta.torch_version = TORCH_VERSION;
  const std::string latest_path = Join(o.out_dir, "checkpoint_latest.pt");
  const std::string best_path = Join(o.out_dir, "checkpoint_best.pt");
  const std::string final_path = Join(o.out_dir, "checkpoint_final.pt");
  auto save = [&](const std::string& path, const std::string& kind) {
    state.rng_state = rng.State();
    state.torch_rng = at::detail::getDefaultCPUGenerator().get_state();
    state.loss_scale = scaler.scale;
    state.scaler_growth = scaler.growth;
    meta.kind = kind;
    SaveCheckpoint(path, net, &optimizer, state, meta);
    ProgressEvent ev;
    ev.kind = "checkpoint";
    ev.epoch = state.epoch;
    ev.epochs = o.epochs;
    ev.checkpoint = path;
    if (on_progress) on_progress(ev);
  };
  auto finish = [&]() {
    result.epochs_completed = state.epoch;
    result.train_loss = state.train_loss;
    result.val_loss = state.val_loss;
    result.pseudo_dice = state.pseudo_dice;
    result.ema = state.ema;
    result.best_ema = state.best_ema;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    return result;
  };

  std::vector<torch::Tensor> params = net->parameters();
  int64_t samples = 0;
  double train_seconds = 0;
  for (; state.epoch < o.epochs; ++state.epoch) {
    const double lr = PolyLr(o.lr, state.epoch, o.epochs, o.poly_exponent);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);

    net->train();
    auto t_epoch = std::chrono::steady_clock::now();
    for (; state.iteration < o.iterations_per_epoch; ++state.iteration) {
      if (abort && abort->load()) {
        save(latest_path, "latest");
        result.aborted = true;
        result.latest_checkpoint = latest_path;
        return finish();
      }
      Batch batch = augmenter.Apply(train_sampler.Next(rng), rng);
      const torch::Tensor x = batch.data.to(device);
      const torch::Tensor y = ToTarget(batch.seg, device);
      optimizer.zero_grad();
      std::vector<torch::Tensor> heads;
      {
        AutocastScope autocast(device, amp);
        heads = net->forward(x);
      }
      LossResult loss = DeepSupervisionLoss(heads, y, o.loss);
      bool step = true;
      if (scaler.scale > 0) {
        (loss.total * scaler.scale).backward();
        for (auto& p : params)
          if (p.grad().defined()) p.grad().mul_(1.0 / scaler.scale);
      } else {
        loss.total.backward();
      }
      const double norm = torch::nn::utils::clip_grad_norm_(params, o.grad_clip);
      if (scaler.scale > 0) {
        if (!std::isfinite(norm)) {
          step = false;
          scaler.scale *= 0.5;
          scaler.growth = 0;
        } else if (++scaler.growth >= kScaleGrowthInterval) {
          scaler.scale *= 2.0;
          scaler.growth = 0;
        }
      }
      if (step) optimizer.step();
      const double value = loss.total.item<double>();
      if (!std::isfinite(value) && scaler.scale == 0)
        throw std::runtime_error("training diverged: loss is " + std::to_string(value) + " at epoch " +
                                 std::to_string(state.epoch) + " iteration " + std::to_string(state.iteration));
      state.partial_loss_sum += value;
      state.partial_loss_count += 1;
      samples += o.batch_size;
      if (on_progress && ((state.iteration + 1) % std::max<int64_t>(o.progress_every, 1) == 0 ||
                          state.iteration + 1 == o.iterations_per_epoch)) {
        const double elapsed = train_seconds +
                               std::chrono::duration<double>(std::chrono::steady_clock::now() - t_epoch).count();
        ProgressEvent ev;
        ev.kind = "iteration";
        ev.epoch = state.epoch;
        ev.epochs = o.epochs;
        ev.iteration = state.iteration + 1;
        ev.iterations = o.iterations_per_epoch;
        ev.loss = value;
        for (const auto& h : loss.per_head) ev.head_losses.push_back(h.item<double>());
        ev.lr = lr;
        ev.samples_per_s = elapsed > 0 ? samples / elapsed : 0;
        on_progress(ev);
      }
    }
    train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t_epoch).count();
    const double train_loss = state.partial_loss_count ? state.partial_loss_sum / state.partial_loss_count : kNaN;
    state.iteration = 0;
    state.partial_loss_sum = 0;
    state.partial_loss_count = 0;

    // Online validation: global Dice of head X^{0,npool} over val patches (recipe 8.5).
    double val_loss = kNaN, dice = kNaN;
    if (val_sampler) {
      net->eval();
      torch::NoGradGuard no_grad;
      torch::Tensor tp, fp, fn;
      double sum = 0;
      for (int64_t v = 0; v < o.val_iterations; ++v) {
        Batch batch = val_sampler->Next(rng);
        const torch::Tensor x = batch.data.to(device);
        const torch::Tensor y = ToTarget(batch.seg, device);
        std::vector<torch::Tensor> heads;
        {
          AutocastScope autocast(device, amp);
          heads = net->forward(x);
        }
        sum += DeepSupervisionLoss(heads, y, o.loss).total.item<double>();
        AccumulateConfusion(heads.back(), y, tp, fp, fn);
      }
      val_loss = sum / static_cast<double>(o.val_iterations);
      dice = GlobalDice(tp, fp, fn);
    }
    double ema = state.ema.empty() ? kNaN : state.ema.back();
    if (!std::isnan(dice)) ema = std::isnan(ema) ? dice : o.ema_alpha * ema + (1.0 - o.ema_alpha) * dice;
    state.train_loss.push_back(train_loss);
    state.val_loss.push_back(val_loss);
    state.pseudo_dice.push_back(dice);
    state.ema.push_back(ema);
    bool best = false;
    if (!std::isnan(ema)) {
      if (std::isinf(state.best_ema)) {
        state.best_ema = ema;  // the first EMA only sets the bar (never a model_best at the first epoch)
      } else if (ema > state.best_ema) {
        state.best_ema = ema;
        best = true;
      }
    }
    const int64_t completed = state.epoch + 1;
    ProgressEvent ev;
    ev.kind = "epoch";
    ev.epoch = state.epoch;
    ev.epochs = o.epochs;
    ev.iterations = o.iterations_per_epoch;
    ev.loss = train_loss;
    ev.lr = lr;
    ev.samples_per_s = train_seconds > 0 ? samples / train_seconds : 0;
    ev.val_loss = val_loss;
    ev.pseudo_dice = dice;
    ev.ema = ema;
    ev.best = best;
    state.epoch = completed;  // checkpoints written now record the completed epoch
    if (best) {
      save(best_path, "best");
      result.best_checkpoint = best_path;
    }
    if (o.checkpoint_every > 0 && completed % o.checkpoint_every == 0 && completed < o.epochs) {
      save(latest_path, "latest");
      result.latest_checkpoint = latest_path;
    }
    if (on_progress) on_progress(ev);
    state.epoch = completed - 1;  // the for-loop increments
  }
  result.samples_per_s = train_seconds > 0 ? samples / train_seconds : 0;
  save(final_path, "final");
  result.final_checkpoint = final_path;
  return finish();
}

}  // namespace pipe_core
