// Setting up a training run, resuming it, and writing its checkpoints (see training_run.h).
#include "core/training_run.h"

#include "core/channels_last.h"

namespace pipe_core {

namespace {

std::string Join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

// Loads weights, optimizer, scaler and histories; the batch streams resume from state.epoch / state.iteration
// (they are keyed by iteration, so no random state is stored).
void Resume(TrainingRun& run) {
  CheckpointInfo info = LoadCheckpoint(run.options.resume_from, *run.net, run.optimizer.get(), run.device);
  run.state = info.state;
  run.scaler.Restore(info.state.loss_scale, info.state.scaler_growth);
}

void OpenBatchSources(TrainingRun& run) {
  const TrainOptions& o = run.options;
  const AugmentParams augment = AugmentParamsOf(o.augmentation);
  BatchStreamOptions train;
  train.patch = o.patch;
  train.source_patch = SourcePatchOf(o, augment);
  train.batch_size = run.share.local_batch;
  train.oversample_foreground = run.share.oversample;
  train.augment = augment;
  train.seed = o.seed;
  train.stream = static_cast<uint64_t>(run.share.rank);
  train.first_iteration = run.state.epoch * o.iterations_per_epoch + run.state.iteration;
  train.threads = o.augmentation.loader_threads > 0 ? o.augmentation.loader_threads : (run.device.is_cpu() ? 1 : 4);
  run.result.augmentation = o.augmentation.enabled ? o.augmentation.pipeline : "off";
  run.result.source_patch = train.source_patch;
  const auto train_cases = OpenCases(o.train_cases);  // on every rank: a bad case fails everywhere alike
  if (run.share.local_batch > 0) {
    run.train_batches = std::make_unique<TrainingBatches>(train_cases, train);
    run.result.loader_threads = train.threads;
  }
  run.validate = !o.val_cases.empty() && o.val_iterations > 0;
  if (run.validate && run.share.local_batch > 0) {
    BatchStreamOptions val = train;  // same patch, batch and oversampling; no augmentation, no enlarged patch
    val.source_patch = o.patch;
    val.augment = NoAugmentation();
    val.stream = kValidationStream + static_cast<uint64_t>(run.share.rank);
    val.first_iteration = 0;
    run.val_batches = std::make_unique<ValidationBatches>(OpenCases(o.val_cases), val);
  }
}

}  // namespace

TrainingRun::TrainingRun(const TrainOptions& o, const torch::Device& d) : options(o), device(d) {}

std::unique_ptr<TrainingRun> SetUpRun(const TrainOptions& o, const ProgressFn& on_progress,
                                      const std::atomic<bool>* abort) {
  const auto started = std::chrono::steady_clock::now();
  const int threads = SetThreads(o.threads);
  auto run = std::make_unique<TrainingRun>(o, ParseDevice(o.device));
  TrainingRun& r = *run;
  r.started = started;
  r.abort = abort;
  r.result.threads = threads;
  EnableConvAutotuning(r.device);
  r.amp = ResolveAmp(o.amp, r.device);
  r.result.device = r.device.str();
  r.result.amp = AmpName(r.amp);
  r.is_root = o.distributed.rank == 0;
  if (r.is_root) r.emit = on_progress;
  r.share = ShareOf(o);
  r.result.world_size = r.share.world;
  r.result.rank_batch_sizes = r.share.batches;
  if (r.share.world > 1) {
    r.dist = std::make_unique<DistributedContext>(o.distributed, r.device);
    r.result.backend = r.dist->backend();
  }
  LossOptions loss = o.loss;
  if (loss.head_weights.empty()) loss.head_weights = DefaultHeadWeights(o.network);
  r.loss_options = RankLossOptions(loss, r.dist.get(), r.share.local_batch, r.share.global_batch);
  r.num_heads = static_cast<int64_t>(o.network.pool_kernels.size());

  torch::manual_seed(o.seed);  // the network's initialisation; nothing else draws from LibTorch's generator
  r.net = MakeNetwork(o.network);
  r.net->to(r.device);
  r.channels_last = UseChannelsLast(o.channels_last, r.device);
  if (r.channels_last) ToChannelsLast(*r.net);
  r.optimizer = std::make_unique<torch::optim::SGD>(
      r.net->parameters(),
      torch::optim::SGDOptions(o.lr).momentum(o.momentum).nesterov(o.nesterov).weight_decay(o.weight_decay));
  r.scaler = LossScaler(r.amp == AmpMode::kFp16);
  if (!o.resume_from.empty()) Resume(r);
  if (r.dist) {  // every rank starts from rank 0's weights
    std::vector<torch::Tensor> tensors = r.net->parameters();
    for (const auto& b : r.net->buffers()) tensors.push_back(b);
    r.dist->BroadcastFromRank0(tensors);
  }
  OpenBatchSources(r);

  r.meta.epochs_total = o.epochs;
  r.meta.iterations_per_epoch = o.iterations_per_epoch;
  r.meta.batch_size = o.batch_size;
  r.meta.patch = o.patch;
  r.meta.device = r.result.device;
  r.meta.amp = r.result.amp;
  r.meta.torch_version = TORCH_VERSION;
  r.params = r.net->parameters();
  return run;
}

std::string SaveCheckpoint(TrainingRun& run, const std::string& kind) {
  const std::string path = Join(run.options.out_dir, "checkpoint_" + kind + ".pt");
  if (!run.is_root) return path;  // rank 0 alone writes checkpoints
  run.state.loss_scale = run.scaler.scale();
  run.state.scaler_growth = run.scaler.growth();
  run.meta.kind = kind;
  SaveCheckpoint(path, *run.net, run.optimizer.get(), run.state, run.meta);
  ProgressEvent ev;
  ev.kind = "checkpoint";
  ev.epoch = run.state.epoch;
  ev.epochs = run.options.epochs;
  ev.checkpoint = path;
  Emit(run, ev);
  return path;
}

void JoinDiceCounts(const TrainingRun& run) {
  if (!run.loss_options.reduce_dice_counts) return;
  for (int64_t k = 0; k < run.num_heads; ++k)
    run.loss_options.reduce_dice_counts(
        torch::zeros({3, run.options.network.num_classes}, torch::TensorOptions().device(run.device)));
}

void Emit(const TrainingRun& run, ProgressEvent event) {
  if (!run.emit) return;
  event.world_size = run.share.world;
  event.rank_batch_sizes = run.share.batches;
  run.emit(event);
}

}  // namespace pipe_core
