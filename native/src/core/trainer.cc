// The training loop (see trainer.h).
#include "core/trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>

#include "core/checkpoint.h"
#include "core/device.h"
#include "core/full_augment_batches.h"
#include "core/loader.h"
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

// Multi-device bookkeeping: this rank's share of the global batch and the loss weights that make the averaged
// gradient equal the one-process gradient of the global batch (CE is a per-rank mean, so it is weighted by
// world * local / global; batch Dice uses the counts summed over ranks, whose gradient the average divides by the
// world size, so it is weighted by world).
struct RankShare {
  int world = 1, rank = 0;
  int64_t local_batch = 0, global_batch = 0;
  double oversample = 0;
  std::vector<int64_t> batches;
};

RankShare ShareOf(const TrainOptions& o) {
  RankShare r;
  r.world = o.distributed.world_size;
  r.rank = o.distributed.rank;
  if (r.world == 1) {
    r.local_batch = r.global_batch = o.batch_size;
    r.oversample = o.oversample_foreground;
    r.batches = {o.batch_size};
    return r;
  }
  const auto shares = SplitBatchAcrossRanks(static_cast<int>(o.batch_size), r.world, o.split_batch,
                                            o.oversample_foreground);
  for (const auto& s : shares) {
    r.batches.push_back(s.batch_size);
    r.global_batch += s.batch_size;
  }
  r.local_batch = shares[r.rank].batch_size;
  r.oversample = shares[r.rank].oversample_foreground_percent;
  return r;
}

std::string Join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

void EnsureDir(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::invalid_argument("Expected an existing directory for outDir but received " + dir);
}

}  // namespace

LossOptions RankLossOptions(const LossOptions& base, DistributedContext* dist, int64_t local_batch,
                            int64_t global_batch) {
  LossOptions l = base;
  if (!dist || dist->world_size() == 1) return l;
  const double world = dist->world_size();
  const double weight = world * static_cast<double>(local_batch) / static_cast<double>(global_batch);
  l.ce_weight = weight;
  l.dice_weight = base.batch_dice ? world : weight;
  if (base.batch_dice)
    l.reduce_dice_counts = [dist](const torch::Tensor& counts) {
      torch::Tensor sum = counts.clone();
      dist->SumInPlace(sum);
      return sum;
    };
  return l;
}

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
  const auto t_start = std::chrono::steady_clock::now();
  ValidateDistributedOptions(o.distributed);
  const bool is_root = o.distributed.rank == 0;
  if (is_root) EnsureDir(o.out_dir);
  if (o.train_cases.empty()) throw std::invalid_argument("Expected at least one case for trainCases but received 0");
  if (o.epochs < 1 || o.iterations_per_epoch < 1 || o.batch_size < 1)
    throw std::invalid_argument("Expected epochs, iterationsPerEpoch and batchSize >= 1");
  if (o.augmentation != "basic" && o.augmentation != "full")
    throw std::invalid_argument("Expected \"basic\" or \"full\" for augmentation but received \"" + o.augmentation + "\"");
  const Axes3 divisor = PatchDivisor(o.network);
  for (int a = 0; a < 3; ++a)
    if (o.patch[a] % divisor[a] != 0)
      throw std::invalid_argument("Expected patchSize axis " + std::to_string(a) + " divisible by " +
                                  std::to_string(divisor[a]) + " (product of the pool kernels) but received " +
                                  std::to_string(o.patch[a]));

  TrainResult result;
  result.threads = SetThreads(o.threads);
  const torch::Device device = ParseDevice(o.device);
  EnableConvAutotuning(device);
  const AmpMode amp = ResolveAmp(o.amp, device);
  result.device = device.str();
  result.amp = AmpName(amp);
  const RankShare share = ShareOf(o);
  result.world_size = share.world;
  result.rank_batch_sizes = share.batches;
  std::unique_ptr<DistributedContext> dist;
  if (share.world > 1) {
    dist = std::make_unique<DistributedContext>(o.distributed, device);
    result.backend = dist->backend();
  }
  const LossOptions loss_options = RankLossOptions(o.loss, dist.get(), share.local_batch, share.global_batch);
  const int64_t num_heads = static_cast<int64_t>(o.network.pool_kernels.size());
  // A rank with an empty share (e.g. batch 2 on 3 ranks) still joins every collective of a step.
  auto join_dice_counts = [&]() {
    if (!loss_options.reduce_dice_counts) return;
    for (int64_t k = 0; k < num_heads; ++k)
      loss_options.reduce_dice_counts(torch::zeros({3, o.network.num_classes}, torch::TensorOptions().device(device)));
  };

  torch::manual_seed(o.seed);
  Rng rng(o.seed + static_cast<uint64_t>(share.rank));  // rank r samples its own stream
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
    if (is_root) {
      rng.SetState(state.rng_state);
    } else {  // the checkpoint holds rank 0's stream; the others continue on fresh streams
      rng = Rng(o.seed + static_cast<uint64_t>(share.rank) +
                0x9E3779B97F4A7C15ull * static_cast<uint64_t>(state.epoch * o.iterations_per_epoch + state.iteration + 1));
    }
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

  if (dist) {  // every rank starts from rank 0's weights
    std::vector<torch::Tensor> tensors = net->parameters();
    for (const auto& b : net->buffers()) tensors.push_back(b);
    dist->BroadcastFromRank0(tensors);
  }

  const bool full_augmentation = o.augment && o.augmentation == "full";
  SamplerOptions so;
  so.batch_size = std::max<int64_t>(share.local_batch, 1);
  so.patch = o.patch;
  so.loader_patch = o.loader_patch[0] > 0 && !full_augmentation ? o.loader_patch : o.patch;
  so.oversample_foreground = share.oversample;
  const auto train_cases = OpenCases(o.train_cases);
  OversamplingSampler train_sampler(train_cases, so);
  std::unique_ptr<FullAugmentBatches> full_batches;
  if (full_augmentation && share.local_batch > 0) {
    FullAugmentOptions fo;
    fo.patch = o.patch;
    fo.batch_size = share.local_batch;
    fo.oversample_foreground = share.oversample;
    fo.seed = o.seed;
    fo.stream = static_cast<uint64_t>(share.rank);
    fo.first_iteration = state.epoch * o.iterations_per_epoch + state.iteration;
    fo.threads = o.loader_threads > 0 ? o.loader_threads : (device.is_cpu() ? 1 : 4);
    full_batches = std::make_unique<FullAugmentBatches>(train_cases, fo);
    result.source_patch = full_batches->source_patch();
    result.loader_threads = fo.threads;
  }
  result.augmentation = !o.augment ? "off" : o.augmentation;
  std::unique_ptr<OversamplingSampler> val_sampler;
  const bool validate = !o.val_cases.empty() && o.val_iterations > 0;
  if (validate && share.local_batch > 0) {
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
  auto stamp = [&](ProgressEvent& ev) {
    ev.world_size = share.world;
    ev.rank_batch_sizes = share.batches;
  };
  auto save = [&](const std::string& path, const std::string& kind) {
    if (!is_root) return;  // rank 0 alone writes checkpoints
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
    stamp(ev);
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
    result.weights_digest = WeightsDigest(net->parameters());
    if (dist) dist->Barrier();  // no rank leaves before rank 0 has written its checkpoint
    return result;
  };

  std::vector<torch::Tensor> params = net->parameters();
  const ProgressFn emit = is_root ? on_progress : ProgressFn();  // the other ranks stay quiet
  // With several ranks an abort is agreed on after each step (summed flags), so all stop at the same iteration.
  bool agreed_stop = false;
  auto local_abort = [&]() { return abort && abort->load(); };
  int64_t samples = 0;
  double train_seconds = 0;
  for (; state.epoch < o.epochs; ++state.epoch) {
    const double lr = PolyLr(o.lr, state.epoch, o.epochs, o.poly_exponent);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);

    net->train();
    auto t_epoch = std::chrono::steady_clock::now();
    for (; state.iteration < o.iterations_per_epoch; ++state.iteration) {
      if (dist ? agreed_stop : local_abort()) {
        save(latest_path, "latest");
        result.aborted = true;
        result.latest_checkpoint = latest_path;
        return finish();
      }
      optimizer.zero_grad();
      LossResult loss;
      if (share.local_batch > 0) {
        Batch batch = full_batches ? full_batches->Next() : augmenter.Apply(train_sampler.Next(rng), rng);
        const torch::Tensor x = batch.data.to(device);
        const torch::Tensor y = ToTarget(batch.seg, device);
        std::vector<torch::Tensor> heads;
        {
          AutocastScope autocast(device, amp);
          heads = net->forward(x);
        }
        loss = DeepSupervisionLoss(heads, y, loss_options);
        if (scaler.scale > 0) {
          (loss.total * scaler.scale).backward();
          for (auto& p : params)
            if (p.grad().defined()) p.grad().mul_(1.0 / scaler.scale);
        } else {
          loss.total.backward();
        }
      } else {
        join_dice_counts();
      }
      if (dist) dist->AverageGradients(params);  // DDP: clip and step on the averaged gradient
      bool step = true;
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
      double value = loss.total.defined() ? loss.total.item<double>() : 0.0;
      std::vector<double> head_values;
      for (int64_t k = 0; k < num_heads; ++k)
        head_values.push_back(k < static_cast<int64_t>(loss.per_head.size()) ? loss.per_head[k].item<double>() : 0.0);
      if (dist) {  // global loss = mean over ranks of the weighted per-rank losses
        std::vector<double> local{local_abort() ? 1.0 : 0.0, value};
        local.insert(local.end(), head_values.begin(), head_values.end());
        const std::vector<double> sum = dist->Sum(local);
        agreed_stop = sum[0] > 0;
        value = sum[1] / share.world;
        for (int64_t k = 0; k < num_heads; ++k) head_values[k] = sum[2 + k] / share.world;
      }
      if (!std::isfinite(value) && scaler.scale == 0)
        throw std::runtime_error("training diverged: loss is " + std::to_string(value) + " at epoch " +
                                 std::to_string(state.epoch) + " iteration " + std::to_string(state.iteration));
      state.partial_loss_sum += value;
      state.partial_loss_count += 1;
      samples += share.global_batch;
      if (emit && ((state.iteration + 1) % std::max<int64_t>(o.progress_every, 1) == 0 ||
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
        ev.head_losses = head_values;
        ev.lr = lr;
        ev.samples_per_s = elapsed > 0 ? samples / elapsed : 0;
        stamp(ev);
        emit(ev);
      }
    }
    train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t_epoch).count();
    const double train_loss = state.partial_loss_count ? state.partial_loss_sum / state.partial_loss_count : kNaN;
    state.iteration = 0;
    state.partial_loss_sum = 0;
    state.partial_loss_count = 0;

    // Online validation: global Dice of head X^{0,npool} over val patches (recipe 8.5).
    double val_loss = kNaN, dice = kNaN;
    if (validate) {
      net->eval();
      torch::NoGradGuard no_grad;
      torch::Tensor tp, fp, fn;
      double sum = 0;
      for (int64_t v = 0; v < o.val_iterations; ++v) {
        if (!val_sampler) {
          join_dice_counts();
          continue;
        }
        Batch batch = val_sampler->Next(rng);
        const torch::Tensor x = batch.data.to(device);
        const torch::Tensor y = ToTarget(batch.seg, device);
        std::vector<torch::Tensor> heads;
        {
          AutocastScope autocast(device, amp);
          heads = net->forward(x);
        }
        sum += DeepSupervisionLoss(heads, y, loss_options).total.item<double>();
        AccumulateConfusion(heads.back(), y, tp, fp, fn);
      }
      if (dist) {  // global Dice from the counts of all ranks
        if (!tp.defined()) {
          const auto zeros = torch::zeros({o.network.num_classes - 1}, torch::TensorOptions().dtype(torch::kDouble));
          tp = zeros.clone();
          fp = zeros.clone();
          fn = zeros.clone();
        }
        torch::Tensor counts = torch::cat({tp, fp, fn});
        dist->SumInPlace(counts);
        const int64_t k = tp.size(0);
        tp = counts.narrow(0, 0, k).clone();
        fp = counts.narrow(0, k, k).clone();
        fn = counts.narrow(0, 2 * k, k).clone();
        sum = dist->Sum({sum})[0] / share.world;
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
    stamp(ev);
    state.epoch = completed;  // checkpoints written now record the completed epoch
    if (best) {
      save(best_path, "best");
      result.best_checkpoint = best_path;
    }
    if (o.checkpoint_every > 0 && completed % o.checkpoint_every == 0 && completed < o.epochs) {
      save(latest_path, "latest");
      result.latest_checkpoint = latest_path;
    }
    if (emit) emit(ev);
    state.epoch = completed - 1;  // the for-loop increments
  }
  result.samples_per_s = train_seconds > 0 ? samples / train_seconds : 0;
  save(final_path, "final");
  result.final_checkpoint = final_path;
  return finish();
}

}  // namespace pipe_core
