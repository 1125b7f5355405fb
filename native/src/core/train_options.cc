// Option checks of a training run (see train_options.h).
#include "core/train_options.h"

#include <sys/stat.h>

#include <stdexcept>

namespace pipe_core {

namespace {

void CheckOutDir(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::invalid_argument("Expected an existing directory for outDir but received " + dir);
}

}  // namespace

void CheckTrainOptions(const TrainOptions& o) {
  ValidateDistributedOptions(o.distributed);
  if (o.distributed.rank == 0) CheckOutDir(o.out_dir);  // rank 0 alone writes checkpoints
  if (o.train_cases.empty()) throw std::invalid_argument("Expected at least one case for trainCases but received 0");
  if (o.epochs < 1 || o.iterations_per_epoch < 1 || o.batch_size < 1)
    throw std::invalid_argument("Expected epochs, iterationsPerEpoch and batchSize >= 1");
  const std::string& pipeline = o.augmentation.pipeline;
  if (pipeline != "basic" && pipeline != "full")
    throw std::invalid_argument("Expected \"basic\" or \"full\" for augmentation.pipeline but received \"" + pipeline +
                                "\"");
  CheckPatchDivisible(o.network, o.patch, "patchSize");
  if (o.channels_last != "off" && o.channels_last != "on" && o.channels_last != "auto")
    throw std::invalid_argument("Expected off | on | auto for channelsLast but received \"" + o.channels_last + "\"");
}

}  // namespace pipe_core
