// defaultTrainOptions() / defaultPredictOptions(): the defaults of core's option structs (core/train_options.h,
// core/sliding_window.h) as plain JS objects, so src/native/addon/options.ts fills missing fields from the one owner of
// every default instead of repeating the numbers.
#include "binding/convert.h"
#include "binding/registry.h"

namespace {

Napi::Value DefaultTrainOptions(const Napi::CallbackInfo& info) {
  return pipe_binding::FromTrainDefaults(info.Env(), pipe_core::TrainOptions{});
}

Napi::Value DefaultPredictOptions(const Napi::CallbackInfo& info) {
  return pipe_binding::FromPredictDefaults(info.Env(), pipe_core::PredictOptions{});
}

}  // namespace

PIPE_NATIVE_EXPORT("defaultTrainOptions", DefaultTrainOptions);
PIPE_NATIVE_EXPORT("defaultPredictOptions", DefaultPredictOptions);
