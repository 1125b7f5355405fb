// Copies the plain options objects that src/native/addon/index.ts validated and filled into core's structs, and core's
// results back into JS objects. The only binding file that reads JS option fields; messages follow
// "Expected <what> for <field> but received <value>" (binding/args.h).
#pragma once

#include <napi.h>

#include "core/checkpoint.h"
#include "core/sliding_window.h"
#include "core/trainer.h"

namespace pipe_binding {

pipe_core::TrainOptions ToTrainOptions(const Napi::Object& o);
pipe_core::PredictOptions ToPredictOptions(const Napi::Object& o);
pipe_core::NetworkPlan ToNetworkPlan(const Napi::Object& o, const std::string& field);

Napi::Object FromProgress(Napi::Env env, const pipe_core::ProgressEvent& e);
Napi::Object FromTrainResult(Napi::Env env, const pipe_core::TrainResult& r);
Napi::Object FromCheckpointInfo(Napi::Env env, const pipe_core::CheckpointInfo& info);

// The defaults of default-constructed option structs, as JS objects with the NativeTrainOptions /
// NativePredictOptions field names and nesting (src/native/addon/native.ts); per-run fields (network, cases, outDir,
// patchSize, loaderPatchSize, headWeights, checkpoint, volume) are left out.
Napi::Object FromTrainDefaults(Napi::Env env, const pipe_core::TrainOptions& options);
Napi::Object FromPredictDefaults(Napi::Env env, const pipe_core::PredictOptions& options);

// Field readers (binding/args.h on o.Get(key); throw Napi::TypeError naming the field).
std::string GetString(const Napi::Object& o, const char* key);
double GetNumber(const Napi::Object& o, const char* key);
int64_t GetInt(const Napi::Object& o, const char* key);
bool GetBool(const Napi::Object& o, const char* key);
pipe_core::Axes3 GetAxes(const Napi::Object& o, const char* key);

}  // namespace pipe_binding
