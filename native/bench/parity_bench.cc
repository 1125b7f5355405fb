// The native half of the parity check against the Python reference networks (bench/train_step/parity.py): builds
// the network of a plan (network=unetpp: UNet++; network=unet: Generic_UNet), writes its initial parameters (one
// .npy per named parameter), a seeded input and target, the per-head forward outputs, and of one training step
// (DC+CE over every head with the architecture's deep-supervision weights, DefaultHeadWeights; fp32): the loss, the
// per-head losses, the gradient of the loss with respect to every head's logits (zeros for a head of weight 0), and
// every parameter's gradient (grads/<name>.npy) and norm, with an index.json naming it all. The Python side loads
// the same weights into its own network and compares.
// Usage: parity_bench out=DIR [network=unetpp in=1 classes=3 base=32 max=320 npool=5 pool=2x2x2,... conv=3x3x3,...
//                              patch=128 batch=2 device=cpu threads=0 seed=0]
// Prints "parity-native <params> parameters, loss ..., grad_norm ..." and exits non-zero on any failure.
#include <sys/stat.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "bench_args.h"
#include "core/conv_norm_act.h"
#include "core/device.h"
#include "core/loss.h"
#include "core/npy.h"
#include "core/segmentation_network.h"

namespace {

std::string ShapeJson(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t d = 0; d < t.dim(); ++d) s += (d ? "," : "") + std::to_string(t.size(d));
  return s + "]";
}

std::vector<int64_t> ShapeOf(const torch::Tensor& t) {
  return std::vector<int64_t>(t.sizes().begin(), t.sizes().end());
}

void WriteFloat(const std::string& path, const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
  pipe_core::WriteNpy(path, "<f4", ShapeOf(c), c.data_ptr<float>(), sizeof(float));
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const pipe_bench::Args args(argc, argv);
    const std::string out = args.Str("out", "");
    if (out.empty()) throw std::invalid_argument("missing out=DIR");
    const pipe_core::NetworkPlan plan = pipe_bench::PlanFromArgs(args);
    const pipe_core::Axes3 patch = pipe_bench::ParseAxes(args.Str("patch", "128"), "patch");
    const int64_t batch = args.Int("batch", 2);
    const std::string device_name = args.Str("device", "cpu");
    const int threads = static_cast<int>(args.Int("threads", 0));
    const uint64_t seed = static_cast<uint64_t>(args.Int("seed", 0));
    args.CheckAllUsed();

    pipe_core::SetThreads(threads);
    const torch::Device device = pipe_core::ParseDevice(device_name);
    mkdir(out.c_str(), 0755);
    mkdir((out + "/params").c_str(), 0755);
    mkdir((out + "/grads").c_str(), 0755);

    torch::manual_seed(seed);
    pipe_core::SegmentationNetwork net = pipe_core::MakeNetwork(plan);
    std::string index = "{\n\"plan\": " + pipe_bench::PlanJson(plan) + ",\n\"patch\": " + pipe_bench::AxesJson(patch) +
                        ",\n\"batch\": " + std::to_string(batch) + ",\n\"device\": \"" + device.str() +
                        "\",\n\"torch\": \"" + PIPE_TORCH_VERSION + "\",\n\"params\": [\n";
    auto named = net->named_parameters(/*recurse=*/true);
    int64_t k = 0;
    for (const auto& item : named) {
      WriteFloat(out + "/params/" + item.key() + ".npy", item.value());
      index += std::string(k++ ? ",\n" : "") + "  {\"name\": \"" + item.key() +
               "\", \"shape\": " + ShapeJson(item.value()) + "}";
    }
    index += "\n],\n";

    // Seeded input and target, made on the CPU so they do not depend on the device's generator.
    torch::manual_seed(seed + 1);
    const torch::Tensor x = torch::randn({batch, plan.in_channels, patch[0], patch[1], patch[2]});
    const torch::Tensor y = torch::randint(0, plan.num_classes, {batch, patch[0], patch[1], patch[2]}, torch::kLong);
    WriteFloat(out + "/input.npy", x);
    pipe_core::WriteNpy(out + "/target.npy", "<i8", ShapeOf(y), y.data_ptr<int64_t>(), sizeof(int64_t));

    net->to(device);
    net->train();
    const std::vector<torch::Tensor> heads = net->forward(x.to(device));
    for (const auto& h : heads) h.retain_grad();  // d loss / d logits, per head
    index += "\"heads\": [";
    for (size_t h = 0; h < heads.size(); ++h) {
      const std::string file = "head" + std::to_string(h + 1) + ".npy";
      WriteFloat(out + "/" + file, heads[h]);
      index += std::string(h ? ", " : "") + "\"" + file + "\"";
    }
    pipe_core::LossOptions lo;
    lo.head_weights = pipe_core::DefaultHeadWeights(plan);  // what training uses when headWeights is left out
    const pipe_core::LossResult loss = pipe_core::DeepSupervisionLoss(heads, y.to(device), lo);
    loss.total.backward();
    index += "],\n\"head_weights\": [";
    for (size_t h = 0; h < lo.head_weights.size(); ++h) index += (h ? ", " : "") + Num(lo.head_weights[h]);
    index += "],\n\"head_grads\": [";
    for (size_t h = 0; h < heads.size(); ++h) {
      const std::string file = "head" + std::to_string(h + 1) + ".grad.npy";
      const torch::Tensor g = heads[h].grad();  // undefined for a head the loss leaves out (weight 0)
      WriteFloat(out + "/" + file, g.defined() ? g : torch::zeros_like(heads[h]));
      index += std::string(h ? ", " : "") + "\"" + file + "\"";
    }
    double total_sq = 0;
    std::string grad_norms = "{";
    k = 0;
    for (const auto& item : net->named_parameters(/*recurse=*/true)) {  // after to(device)
      const torch::Tensor& grad = item.value().grad();
      WriteFloat(out + "/grads/" + item.key() + ".npy", grad.defined() ? grad : torch::zeros_like(item.value()));
      const double g = grad.defined() ? grad.to(torch::kDouble).norm().item<double>() : 0.0;
      total_sq += g * g;
      grad_norms += std::string(k++ ? ", " : "") + "\"" + item.key() + "\": " + Num(g);
    }
    grad_norms += "}";
    const double loss_value = loss.total.item<double>();
    const double grad_norm = std::sqrt(total_sq);
    if (!std::isfinite(loss_value) || !std::isfinite(grad_norm))
      throw std::runtime_error("non-finite loss or gradient");
    index += "],\n\"loss\": " + Num(loss_value) + ",\n\"head_losses\": [";
    for (size_t h = 0; h < loss.per_head.size(); ++h) index += (h ? ", " : "") + Num(loss.per_head[h].item<double>());
    index += "],\n\"grad_norm\": " + Num(grad_norm) + ",\n\"grad_norms\": " + grad_norms + "\n}\n";
    {
      std::ofstream f(out + "/index.json.tmp");
      f << index;
      if (!f) throw std::runtime_error("cannot write " + out + "/index.json");
    }
    std::rename((out + "/index.json.tmp").c_str(), (out + "/index.json").c_str());
    std::printf("parity-native %lld parameters in %lld tensors, %zu heads, loss %.6f, grad_norm %.6f, device %s\n",
                static_cast<long long>(pipe_core::CountParameters(*net)), static_cast<long long>(named.size()),
                heads.size(), loss_value, grad_norm, device.str().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parity_bench: %s\n", e.what());
    return 1;
  }
}
