// Checkpoint save / inspect / load (see checkpoint.h).
#include "core/checkpoint.h"

#include "core/checkpoint_checksum.h"
#include "core/durable_file.h"
#include "core/errors.h"
#include "core/sgd_step.h"

namespace pipe_core {

namespace {

c10::IValue Doubles(const std::vector<double>& v) { return c10::IValue(c10::List<double>(v)); }

std::vector<double> ToDoubles(const c10::IValue& v) {
  std::vector<double> out;
  for (double d : v.toDoubleList()) out.push_back(d);
  return out;
}

c10::IValue AxesList(const std::vector<Axes3>& list) {
  std::vector<int64_t> flat;
  for (const auto& a : list) flat.insert(flat.end(), a.begin(), a.end());
  return c10::IValue(c10::List<int64_t>(flat));
}

std::vector<Axes3> ToAxesList(const c10::IValue& v) {
  std::vector<int64_t> flat;
  for (int64_t x : v.toIntList()) flat.push_back(x);
  std::vector<Axes3> out;
  for (size_t i = 0; i + 2 < flat.size(); i += 3) out.push_back({flat[i], flat[i + 1], flat[i + 2]});
  return out;
}

c10::IValue Read(torch::serialize::InputArchive& archive, const std::string& key, const std::string& path) {
  c10::IValue v;
  if (!archive.try_read(key, v))
    throw CheckpointFormatError(path + ": checkpoint has no '" + key + "' entry (written by another version?)");
  return v;
}

CheckpointInfo ReadInfo(torch::serialize::InputArchive& a, const std::string& path) {
  c10::IValue magic;
  if (!a.try_read("magic", magic) || !magic.isString() || magic.toStringRef() != kCheckpointMagic)
    throw CheckpointFormatError(path + ": not a pipe network checkpoint (no magic '" + std::string(kCheckpointMagic) +
                                "'); regenerate it by training with pipe");
  CheckpointInfo info;
  info.format_version = Read(a, "format_version", path).toInt();
  if (info.format_version < kOldestReadableCheckpointVersion || info.format_version > kCheckpointVersion)
    throw CheckpointFormatError(path + ": checkpoint format version " + std::to_string(info.format_version) +
                                ", this build reads versions " + std::to_string(kOldestReadableCheckpointVersion) +
                                " to " + std::to_string(kCheckpointVersion) +
                                "; retrain or use the matching pipe version");
  NetworkPlan& p = info.plan;
  p.architecture = info.format_version >= 3 ? Read(a, "plan/architecture", path).toStringRef() : kUNetPlusPlus;
  p.in_channels = Read(a, "plan/in_channels", path).toInt();
  p.num_classes = Read(a, "plan/num_classes", path).toInt();
  p.base_features = Read(a, "plan/base_features", path).toInt();
  p.max_features = Read(a, "plan/max_features", path).toInt();
  p.pool_kernels = ToAxesList(Read(a, "plan/pool_kernels", path));
  p.conv_kernels = ToAxesList(Read(a, "plan/conv_kernels", path));
  info.plan_hash = Read(a, "plan/hash", path).toStringRef();
  CheckpointMeta& m = info.meta;
  m.kind = Read(a, "meta/kind", path).toStringRef();
  m.epochs_total = Read(a, "meta/epochs_total", path).toInt();
  m.iterations_per_epoch = Read(a, "meta/iterations_per_epoch", path).toInt();
  m.batch_size = Read(a, "meta/batch_size", path).toInt();
  const auto patch = ToAxesList(Read(a, "meta/patch", path));
  if (!patch.empty()) m.patch = patch.front();
  m.device = Read(a, "meta/device", path).toStringRef();
  m.amp = Read(a, "meta/amp", path).toStringRef();
  m.torch_version = Read(a, "meta/torch_version", path).toStringRef();
  TrainState& s = info.state;
  s.epoch = Read(a, "state/epoch", path).toInt();
  s.iteration = Read(a, "state/iteration", path).toInt();
  s.partial_loss_sum = Read(a, "state/partial_loss_sum", path).toDouble();
  s.partial_loss_count = Read(a, "state/partial_loss_count", path).toInt();
  s.train_loss = ToDoubles(Read(a, "state/train_loss", path));
  s.val_loss = ToDoubles(Read(a, "state/val_loss", path));
  s.pseudo_dice = ToDoubles(Read(a, "state/pseudo_dice", path));
  s.ema = ToDoubles(Read(a, "state/ema", path));
  s.best_ema = Read(a, "state/best_ema", path).toDouble();
  s.loss_scale = Read(a, "state/loss_scale", path).toDouble();
  s.scaler_growth = Read(a, "state/scaler_growth", path).toInt();
  if (PlanHash(p) != info.plan_hash)
    throw CheckpointFormatError(path + ": stored plan hash " + info.plan_hash + " does not match its plan fields");
  return info;
}

[[noreturn]] void Damaged(const std::string& path, const std::string& detail) {
  throw CheckpointDamagedError(path + ": the checkpoint is damaged (" + detail + ")");
}

torch::serialize::InputArchive OpenArchive(const std::string& path, const torch::Device& device) {
  torch::serialize::InputArchive a;
  try {
    a.load_from(path, device);
  } catch (const c10::Error& e) {
    Damaged(path, std::string("truncated, emptied or overwritten: not readable as a checkpoint archive: ") +
                      e.what_without_backtrace());
  }
  return a;
}

// ReadInfo, with LibTorch's errors on a half-readable archive reported as damage.
CheckpointInfo ReadInfoOrDamaged(torch::serialize::InputArchive& a, const std::string& path) {
  try {
    return ReadInfo(a, path);
  } catch (const c10::Error& e) {
    Damaged(path, std::string("an entry cannot be read: ") + e.what_without_backtrace());
  }
}

// Loads the weights into `net` (and the momentum into `optimizer` when given) and checks the checksum before the
// optimizer is touched. Versions before the checksum load as they always did (their optimizer archive included).
CheckpointInfo LoadInto(torch::serialize::InputArchive& a, const std::string& path, CheckpointInfo info,
                        SegmentationNetworkImpl& net, torch::optim::SGD* optimizer) {
  try {
    torch::serialize::InputArchive model;
    a.read("model", model);
    net.load(model);
    if (info.format_version < kFirstChecksummedVersion) {
      if (optimizer) {
        torch::serialize::InputArchive opt;
        if (!a.try_read("optimizer", opt))
          throw CheckpointFormatError(path + ": checkpoint holds no optimizer state (cannot resume training from it)");
        optimizer->load(opt);
      }
      return info;
    }
    const auto params = net.parameters();
    std::vector<torch::Tensor> momentum;
    torch::serialize::InputArchive buffers;
    const bool has_momentum = a.try_read("momentum", buffers);
    if (has_momentum) {
      momentum.resize(params.size());
      for (size_t i = 0; i < params.size(); ++i) {
        torch::Tensor t;
        if (buffers.try_read(std::to_string(i), t, /*is_buffer=*/true)) momentum[i] = t;
      }
    }
    c10::IValue stored;
    if (!a.try_read("checksum", stored) || !stored.isString()) Damaged(path, "its checksum entry is missing");
    info.checksum = stored.toStringRef();
    const std::string computed = CheckpointChecksum(net, momentum, info.state, info.meta);
    if (computed != info.checksum)
      Damaged(path, "its content does not match its checksum: stored " + info.checksum + ", computed " + computed);
    if (optimizer) {
      if (!has_momentum)
        throw CheckpointFormatError(path + ": checkpoint holds no optimizer state (cannot resume training from it)");
      for (size_t i = 0; i < params.size(); ++i)
        if (momentum[i].defined()) SetMomentumBuffer(*optimizer, params[i], momentum[i].to(params[i].device()));
    }
    return info;
  } catch (const c10::Error& e) {
    Damaged(path, std::string("its weights cannot be read: ") + e.what_without_backtrace());
  }
}

}  // namespace

void SaveCheckpoint(const std::string& path, SegmentationNetworkImpl& net, torch::optim::SGD* optimizer,
                    const TrainState& s, const CheckpointMeta& m) {
  torch::serialize::OutputArchive a;
  const NetworkPlan& p = net.plan();
  a.write("magic", c10::IValue(std::string(kCheckpointMagic)));
  a.write("format_version", c10::IValue(kCheckpointVersion));
  a.write("plan/architecture", c10::IValue(p.architecture));
  a.write("plan/in_channels", c10::IValue(p.in_channels));
  a.write("plan/num_classes", c10::IValue(p.num_classes));
  a.write("plan/base_features", c10::IValue(p.base_features));
  a.write("plan/max_features", c10::IValue(p.max_features));
  a.write("plan/pool_kernels", AxesList(p.pool_kernels));
  a.write("plan/conv_kernels", AxesList(p.conv_kernels));
  a.write("plan/text", c10::IValue(PlanText(p)));
  a.write("plan/hash", c10::IValue(PlanHash(p)));
  a.write("meta/kind", c10::IValue(m.kind));
  a.write("meta/epochs_total", c10::IValue(m.epochs_total));
  a.write("meta/iterations_per_epoch", c10::IValue(m.iterations_per_epoch));
  a.write("meta/batch_size", c10::IValue(m.batch_size));
  a.write("meta/patch", AxesList({m.patch}));
  a.write("meta/device", c10::IValue(m.device));
  a.write("meta/amp", c10::IValue(m.amp));
  a.write("meta/torch_version", c10::IValue(m.torch_version));
  a.write("state/epoch", c10::IValue(s.epoch));
  a.write("state/iteration", c10::IValue(s.iteration));
  a.write("state/partial_loss_sum", c10::IValue(s.partial_loss_sum));
  a.write("state/partial_loss_count", c10::IValue(s.partial_loss_count));
  a.write("state/train_loss", Doubles(s.train_loss));
  a.write("state/val_loss", Doubles(s.val_loss));
  a.write("state/pseudo_dice", Doubles(s.pseudo_dice));
  a.write("state/ema", Doubles(s.ema));
  a.write("state/best_ema", c10::IValue(s.best_ema));
  a.write("state/loss_scale", c10::IValue(s.loss_scale));
  a.write("state/scaler_growth", c10::IValue(s.scaler_growth));
  torch::serialize::OutputArchive model;
  net.save(model);
  a.write("model", model);
  // The momentum buffers by parameter index: LibTorch's optimizer archive keys them by tensor address (a new key and
  // a new order in every process), which made identical trainings write different bytes.
  std::vector<torch::Tensor> momentum;
  if (optimizer) {
    torch::serialize::OutputArchive buffers;
    const auto params = net.parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      momentum.push_back(MomentumBuffer(*optimizer, params[i]));
      if (momentum.back().defined()) buffers.write(std::to_string(i), momentum.back(), /*is_buffer=*/true);
    }
    a.write("momentum", buffers);
  }
  a.write("checksum", c10::IValue(CheckpointChecksum(net, momentum, s, m)));
  // Serialized in memory, then written with checked writes: LibTorch's own file writer asserts on a short write
  // (disk full) inside a destructor, which aborts the process instead of throwing.
  std::string bytes;
  a.save_to([&bytes](const void* data, size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  WriteFileAtomically(path, "checkpoint", {bytes}, m.kind == "latest" ? PreviousCheckpointPath(path) : "");
}

std::string PreviousCheckpointPath(const std::string& path) {
  const std::string ext = ".pt";
  const bool pt = path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  return (pt ? path.substr(0, path.size() - ext.size()) : path) + ".prev.pt";
}

CheckpointInfo ReadCheckpointInfo(const std::string& path) {
  torch::serialize::InputArchive a = OpenArchive(path, torch::kCPU);
  CheckpointInfo info = ReadInfoOrDamaged(a, path);
  if (info.format_version < kFirstChecksummedVersion) return info;  // nothing to check it against
  SegmentationNetwork net = MakeNetwork(info.plan);
  return LoadInto(a, path, info, *net, nullptr);
}

CheckpointInfo LoadCheckpoint(const std::string& path, SegmentationNetworkImpl& net, torch::optim::SGD* optimizer,
                              const torch::Device& device) {
  torch::serialize::InputArchive a = OpenArchive(path, device);
  const CheckpointInfo info = ReadInfoOrDamaged(a, path);
  const std::string diff = PlanDiff(info.plan, net.plan());
  if (!diff.empty())
    throw PlanMismatchError(path + ": checkpoint was trained with another network plan (" + diff +
                            "); use the plan it was trained with or start a fresh training");
  return LoadInto(a, path, info, net, optimizer);
}

SegmentationNetwork LoadModel(const std::string& path, const torch::Device& device, CheckpointInfo* info_out) {
  torch::serialize::InputArchive a = OpenArchive(path, device);
  const CheckpointInfo read = ReadInfoOrDamaged(a, path);
  SegmentationNetwork net = MakeNetwork(read.plan);
  net->to(device);
  CheckpointInfo info = LoadInto(a, path, read, *net, nullptr);
  net->eval();
  if (info_out) *info_out = info;
  return net;
}

}  // namespace pipe_core
