// JS options -> core structs and core results -> JS (see convert.h).
#include "binding/convert.h"

#include <cmath>

#include "binding/args.h"

namespace pipe_binding {

namespace {

std::vector<pipe_core::Axes3> ToAxesList(const Napi::Value& v, const std::string& field) {
  if (!v.IsArray()) ThrowExpected(v.Env(), "an array of [z, y, x] arrays", field, v);
  auto a = v.As<Napi::Array>();
  std::vector<pipe_core::Axes3> out;
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(ReadAxes(a.Get(i), field + "[" + std::to_string(i) + "]"));
  return out;
}

std::vector<pipe_core::CaseSource> ToCases(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) ThrowExpected(o.Env(), "an array of cases", key, v);
  auto a = v.As<Napi::Array>();
  std::vector<pipe_core::CaseSource> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const std::string field = std::string(key) + "[" + std::to_string(i) + "]";
    Napi::Value cv = a.Get(i);
    auto c = ReadObject(cv, field);
    pipe_core::CaseSource s;
    s.id = GetString(c, "id");
    s.data_path = GetString(c, "dataPath");
    s.seg_path = GetString(c, "segPath");
    Napi::Value locs = c.Get("classLocations");
    if (locs.IsObject()) {
      auto lo = locs.As<Napi::Object>();
      Napi::Array keys = lo.GetPropertyNames();
      for (uint32_t k = 0; k < keys.Length(); ++k) {
        const std::string cls = keys.Get(k).ToString().Utf8Value();
        Napi::Value arr = lo.Get(cls);
        if (!arr.IsTypedArray() || arr.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
          ThrowExpected(o.Env(), "an Int32Array of z,y,x triples", field + ".classLocations." + cls, arr);
        auto ta = arr.As<Napi::Int32Array>();
        auto& dst = s.class_locations[std::stoi(cls)];
        for (size_t j = 0; j + 2 < ta.ElementLength(); j += 3) dst.push_back({ta[j], ta[j + 1], ta[j + 2]});
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

Napi::Array Numbers(Napi::Env env, const std::vector<double>& v) {
  auto a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, v[i]));
  return a;
}

Napi::Array AxesArray(Napi::Env env, const pipe_core::Axes3& v) {
  auto a = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; ++i) a.Set(i, Napi::Number::New(env, static_cast<double>(v[i])));
  return a;
}

}  // namespace

std::string GetString(const Napi::Object& o, const char* key) { return ReadString(o.Get(key), key); }
double GetNumber(const Napi::Object& o, const char* key) { return ReadNumber(o.Get(key), key); }
int64_t GetInt(const Napi::Object& o, const char* key) { return ReadInt(o.Get(key), key); }
bool GetBool(const Napi::Object& o, const char* key) { return ReadBool(o.Get(key), key); }
pipe_core::Axes3 GetAxes(const Napi::Object& o, const char* key) { return ReadAxes(o.Get(key), key); }

pipe_core::NetworkPlan ToNetworkPlan(const Napi::Object& o, const std::string& field) {
  pipe_core::NetworkPlan p;
  // Left out: core's default architecture (NetworkPlan::architecture, "unetpp"); ValidatePlan checks the name.
  const Napi::Value architecture = o.Get("architecture");
  if (!architecture.IsUndefined()) p.architecture = ReadString(architecture, field + ".architecture");
  p.in_channels = GetInt(o, "inChannels");
  p.num_classes = GetInt(o, "numClasses");
  p.base_features = GetInt(o, "baseFeatures");
  p.max_features = GetInt(o, "maxFeatures");
  p.pool_kernels = ToAxesList(o.Get("poolKernels"), field + ".poolKernels");
  p.conv_kernels = ToAxesList(o.Get("convKernels"), field + ".convKernels");
  return p;
}

pipe_core::TrainOptions ToTrainOptions(const Napi::Object& o) {
  pipe_core::TrainOptions t;
  t.network = ToNetworkPlan(ReadObject(o.Get("network"), "network"), "network");
  t.train_cases = ToCases(o, "trainCases");
  t.val_cases = ToCases(o, "valCases");
  t.out_dir = GetString(o, "outDir");
  t.batch_size = GetInt(o, "batchSize");
  t.patch = GetAxes(o, "patchSize");
  t.loader_patch = GetAxes(o, "loaderPatchSize");
  t.epochs = GetInt(o, "epochs");
  t.iterations_per_epoch = GetInt(o, "iterationsPerEpoch");
  t.val_iterations = GetInt(o, "valIterations");
  t.lr = GetNumber(o, "initialLr");
  t.momentum = GetNumber(o, "momentum");
  t.nesterov = GetBool(o, "nesterov");
  t.weight_decay = GetNumber(o, "weightDecay");
  t.poly_exponent = GetNumber(o, "polyExponent");
  t.grad_clip = GetNumber(o, "gradClip");
  t.oversample_foreground = GetNumber(o, "oversampleForeground");
  t.loss.batch_dice = GetBool(o, "batchDice");
  t.loss.smooth = GetNumber(o, "diceSmooth");
  Napi::Array hw = ReadArray(o.Get("headWeights"), "headWeights");
  for (uint32_t i = 0; i < hw.Length(); ++i)
    t.loss.head_weights.push_back(ReadNumber(hw.Get(i), "headWeights[" + std::to_string(i) + "]"));
  Napi::Object a = ReadObject(o.Get("augmentation"), "augmentation");
  auto& ao = t.augmentation;
  ao.enabled = ReadBool(a.Get("enabled"), "augmentation.enabled");
  ao.pipeline = ReadString(a.Get("pipeline"), "augmentation.pipeline");
  ao.loader_threads = static_cast<int>(ReadInt(a.Get("loaderThreads"), "augmentation.loaderThreads"));
  ao.mirror = ReadBool(a.Get("mirror"), "augmentation.mirror");
  const auto axes = ReadAxes(a.Get("mirrorAxes"), "augmentation.mirrorAxes");
  for (int i = 0; i < 3; ++i) ao.mirror_axes[i] = axes[i] != 0;
  ao.mirror_p = ReadNumber(a.Get("mirrorP"), "augmentation.mirrorP");
  ao.brightness_p = ReadNumber(a.Get("brightnessP"), "augmentation.brightnessP");
  ao.contrast_p = ReadNumber(a.Get("contrastP"), "augmentation.contrastP");
  ao.gamma_p = ReadNumber(a.Get("gammaP"), "augmentation.gammaP");
  t.device = GetString(o, "device");
  t.amp = GetString(o, "amp");
  t.channels_last = GetString(o, "channelsLast");
  t.threads = static_cast<int>(GetInt(o, "threads"));
  t.seed = static_cast<uint64_t>(GetInt(o, "seed"));
  t.checkpoint_every = GetInt(o, "checkpointEvery");
  t.resume_from = GetString(o, "resumeFrom");
  t.progress_every = GetInt(o, "progressEvery");
  t.ema_alpha = GetNumber(o, "emaAlpha");
  t.distributed.rank = static_cast<int>(GetInt(o, "rank"));
  t.distributed.world_size = static_cast<int>(GetInt(o, "worldSize"));
  t.distributed.master_addr = GetString(o, "masterAddr");
  t.distributed.master_port = static_cast<int>(GetInt(o, "masterPort"));
  t.distributed.timeout_s = GetNumber(o, "distributedTimeout");
  t.distributed.backend = GetString(o, "distributedBackend");
  t.split_batch = GetBool(o, "splitBatch");
  return t;
}

pipe_core::PredictOptions ToPredictOptions(const Napi::Object& o) {
  pipe_core::PredictOptions p;
  p.patch = GetAxes(o, "patchSize");
  p.step = GetNumber(o, "step");
  p.gaussian = GetBool(o, "gaussian");
  p.mirror = GetBool(o, "mirror");
  const auto axes = GetAxes(o, "mirrorAxes");
  for (int i = 0; i < 3; ++i) p.mirror_axes[i] = axes[i] != 0;
  p.head = GetString(o, "head");
  p.tile_batch = GetInt(o, "tileBatch");
  p.device = GetString(o, "device");
  p.amp = GetString(o, "amp");
  p.threads = static_cast<int>(GetInt(o, "threads"));
  p.output = GetString(o, "output");
  return p;
}

Napi::Object FromTrainDefaults(Napi::Env env, const pipe_core::TrainOptions& t) {
  auto o = Napi::Object::New(env);
  o.Set("batchSize", static_cast<double>(t.batch_size));
  o.Set("epochs", static_cast<double>(t.epochs));
  o.Set("iterationsPerEpoch", static_cast<double>(t.iterations_per_epoch));
  o.Set("valIterations", static_cast<double>(t.val_iterations));
  o.Set("initialLr", t.lr);
  o.Set("momentum", t.momentum);
  o.Set("nesterov", t.nesterov);
  o.Set("weightDecay", t.weight_decay);
  o.Set("polyExponent", t.poly_exponent);
  o.Set("gradClip", t.grad_clip);
  o.Set("oversampleForeground", t.oversample_foreground);
  o.Set("batchDice", t.loss.batch_dice);
  o.Set("diceSmooth", t.loss.smooth);
  const auto& ao = t.augmentation;
  auto a = Napi::Object::New(env);
  a.Set("enabled", ao.enabled);
  a.Set("pipeline", ao.pipeline);
  a.Set("loaderThreads", ao.loader_threads);
  a.Set("mirror", ao.mirror);
  a.Set("mirrorAxes", AxesArray(env, {ao.mirror_axes[0], ao.mirror_axes[1], ao.mirror_axes[2]}));
  a.Set("mirrorP", ao.mirror_p);
  a.Set("brightnessP", ao.brightness_p);
  a.Set("contrastP", ao.contrast_p);
  a.Set("gammaP", ao.gamma_p);
  o.Set("augmentation", a);
  o.Set("device", t.device);
  o.Set("amp", t.amp);
  o.Set("channelsLast", t.channels_last);
  o.Set("threads", t.threads);
  o.Set("seed", static_cast<double>(t.seed));
  o.Set("checkpointEvery", static_cast<double>(t.checkpoint_every));
  o.Set("resumeFrom", t.resume_from);
  o.Set("progressEvery", static_cast<double>(t.progress_every));
  o.Set("emaAlpha", t.ema_alpha);
  o.Set("rank", t.distributed.rank);
  o.Set("worldSize", t.distributed.world_size);
  o.Set("masterAddr", t.distributed.master_addr);
  o.Set("masterPort", t.distributed.master_port);
  o.Set("splitBatch", t.split_batch);
  o.Set("distributedTimeout", t.distributed.timeout_s);
  o.Set("distributedBackend", t.distributed.backend);
  return o;
}

Napi::Object FromPredictDefaults(Napi::Env env, const pipe_core::PredictOptions& p) {
  auto o = Napi::Object::New(env);
  o.Set("patchSize", AxesArray(env, p.patch));
  o.Set("step", p.step);
  o.Set("gaussian", p.gaussian);
  o.Set("mirror", p.mirror);
  o.Set("mirrorAxes", AxesArray(env, {p.mirror_axes[0], p.mirror_axes[1], p.mirror_axes[2]}));
  o.Set("head", p.head);
  o.Set("tileBatch", static_cast<double>(p.tile_batch));
  o.Set("device", p.device);
  o.Set("amp", p.amp);
  o.Set("threads", p.threads);
  o.Set("output", p.output);
  return o;
}

Napi::Object FromProgress(Napi::Env env, const pipe_core::ProgressEvent& e) {
  auto o = Napi::Object::New(env);
  o.Set("kind", e.kind);
  o.Set("epoch", static_cast<double>(e.epoch));
  o.Set("epochs", static_cast<double>(e.epochs));
  o.Set("iteration", static_cast<double>(e.iteration));
  o.Set("iterations", static_cast<double>(e.iterations));
  o.Set("loss", e.loss);
  o.Set("headLosses", Numbers(env, e.head_losses));
  o.Set("lr", e.lr);
  o.Set("samplesPerSecond", e.samples_per_s);
  if (e.kind == "iteration") o.Set("loaderWaitSeconds", e.loader_wait_s);
  if (e.kind == "epoch") {
    o.Set("valLoss", e.val_loss);
    o.Set("pseudoDice", e.pseudo_dice);
    o.Set("pseudoDiceEma", e.ema);
    o.Set("best", e.best);
  }
  if (e.kind == "checkpoint") o.Set("checkpoint", e.checkpoint);
  o.Set("worldSize", e.world_size);
  o.Set("rankBatchSizes", Numbers(env, std::vector<double>(e.rank_batch_sizes.begin(), e.rank_batch_sizes.end())));
  return o;
}

Napi::Object FromTrainResult(Napi::Env env, const pipe_core::TrainResult& r) {
  auto o = Napi::Object::New(env);
  o.Set("epochsCompleted", static_cast<double>(r.epochs_completed));
  o.Set("aborted", r.aborted);
  auto path = [&](const char* key, const std::string& p) {
    o.Set(key, p.empty() ? env.Null() : Napi::String::New(env, p));
  };
  path("finalCheckpoint", r.final_checkpoint);
  path("latestCheckpoint", r.latest_checkpoint);
  path("bestCheckpoint", r.best_checkpoint);
  o.Set("trainLoss", Numbers(env, r.train_loss));
  o.Set("valLoss", Numbers(env, r.val_loss));
  o.Set("pseudoDice", Numbers(env, r.pseudo_dice));
  o.Set("pseudoDiceEma", Numbers(env, r.ema));
  o.Set("bestPseudoDiceEma", std::isinf(r.best_ema) ? env.Null() : Napi::Number::New(env, r.best_ema));
  o.Set("seconds", r.seconds);
  o.Set("samplesPerSecond", r.samples_per_s);
  o.Set("device", r.device);
  o.Set("amp", r.amp);
  o.Set("threads", r.threads);
  o.Set("worldSize", r.world_size);
  o.Set("backend", r.backend);
  o.Set("rankBatchSizes", Numbers(env, std::vector<double>(r.rank_batch_sizes.begin(), r.rank_batch_sizes.end())));
  o.Set("augmentation", r.augmentation);
  o.Set("sourcePatchSize", Numbers(env, std::vector<double>(r.source_patch.begin(), r.source_patch.end())));
  o.Set("loaderThreads", r.loader_threads);
  o.Set("loaderWaitSeconds", r.loader_wait_s);
  o.Set("weightsDigest", r.weights_digest);
  return o;
}

Napi::Object FromCheckpointInfo(Napi::Env env, const pipe_core::CheckpointInfo& info) {
  auto o = Napi::Object::New(env);
  o.Set("formatVersion", static_cast<double>(info.format_version));
  o.Set("kind", info.meta.kind);
  o.Set("planHash", info.plan_hash);
  auto net = Napi::Object::New(env);
  const auto& p = info.plan;
  net.Set("architecture", p.architecture);
  net.Set("inChannels", static_cast<double>(p.in_channels));
  net.Set("numClasses", static_cast<double>(p.num_classes));
  net.Set("baseFeatures", static_cast<double>(p.base_features));
  net.Set("maxFeatures", static_cast<double>(p.max_features));
  auto list = [&](const std::vector<pipe_core::Axes3>& v) {
    auto a = Napi::Array::New(env, v.size());
    for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), AxesArray(env, v[i]));
    return a;
  };
  net.Set("poolKernels", list(p.pool_kernels));
  net.Set("convKernels", list(p.conv_kernels));
  o.Set("network", net);
  o.Set("epoch", static_cast<double>(info.state.epoch));
  o.Set("iteration", static_cast<double>(info.state.iteration));
  o.Set("epochs", static_cast<double>(info.meta.epochs_total));
  o.Set("iterationsPerEpoch", static_cast<double>(info.meta.iterations_per_epoch));
  o.Set("batchSize", static_cast<double>(info.meta.batch_size));
  o.Set("patchSize", AxesArray(env, info.meta.patch));
  o.Set("device", info.meta.device);
  o.Set("amp", info.meta.amp);
  o.Set("torchVersion", info.meta.torch_version);
  o.Set("trainLoss", Numbers(env, info.state.train_loss));
  o.Set("valLoss", Numbers(env, info.state.val_loss));
  o.Set("pseudoDice", Numbers(env, info.state.pseudo_dice));
  o.Set("pseudoDiceEma", Numbers(env, info.state.ema));
  o.Set("bestPseudoDiceEma",
        std::isinf(info.state.best_ema) ? env.Null() : Napi::Number::New(env, info.state.best_ema));
  // "crc64:…" checked against the content, or null for a file written before checkpoints carried one.
  o.Set("checksum", info.checksum.empty() ? env.Null() : Napi::String::New(env, info.checksum));
  return o;
}

}  // namespace pipe_binding
