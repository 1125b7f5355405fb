// Copies the plain options objects that src/native/addon/index.ts validated and filled into core's structs, and core's
// results back into JS objects. The only binding file that reads JS option fields; messages follow
// "Expected <what> for <field> but received <value>".
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

// Field readers (throw Napi::TypeError naming the field).
std::string GetString(const Napi::Object& o, const char* key);
double GetNumber(const Napi::Object& o, const char* key);
int64_t GetInt(const Napi::Object& o, const char* key);
bool GetBool(const Napi::Object& o, const char* key);
pipe_core::Axes3 GetAxes(const Napi::Object& o, const char* key);

}  // namespace pipe_binding
