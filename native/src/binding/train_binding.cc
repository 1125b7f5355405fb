// startTraining(options, onEvent) -> { abort() }: runs core::Train on its own std::thread (not libuv's pool) and
// streams {type: 'progress', event} ... then one {type: 'done', result} or {type: 'error', code, message} through a
// ThreadSafeFunction. abort() asks the loop to stop; it writes checkpoint_latest.pt first. The TSFN finalizer
// joins the thread.
#include <atomic>
#include <memory>
#include <thread>

#include "binding/args.h"
#include "binding/convert.h"
#include "binding/errors.h"
#include "binding/registry.h"

namespace {

struct Message {
  enum Kind { kProgress, kDone, kError } kind = kProgress;
  pipe_core::ProgressEvent progress;
  pipe_core::TrainResult result;
  pipe_binding::NativeFailure failure;
};

struct TrainJob {
  pipe_core::TrainOptions options;
  std::shared_ptr<std::atomic<bool>> abort = std::make_shared<std::atomic<bool>>(false);
  Napi::ThreadSafeFunction tsfn;
  std::thread thread;
};

void Deliver(Napi::Env env, Napi::Function callback, Message* m) {
  std::unique_ptr<Message> owned(m);
  if (env == nullptr || callback == nullptr) return;
  try {
    auto event = Napi::Object::New(env);
    switch (m->kind) {
      case Message::kProgress:
        event.Set("type", "progress");
        event.Set("event", pipe_binding::FromProgress(env, m->progress));
        break;
      case Message::kDone:
        event.Set("type", "done");
        event.Set("result", pipe_binding::FromTrainResult(env, m->result));
        break;
      case Message::kError:
        event.Set("type", "error");
        event.Set("code", m->failure.code);
        event.Set("message", m->failure.message);
        break;
    }
    callback.Call({event});
  } catch (const Napi::Error&) {
    // A throwing JS handler must not unwind into libuv; src/native/addon catches handler errors itself.
  }
}

std::string OomHint(const pipe_core::TrainOptions& o) {
  const auto& p = o.patch;
  return "training with batch size " + std::to_string(o.batch_size) + " and patch " + std::to_string(p[0]) + "x" +
         std::to_string(p[1]) + "x" + std::to_string(p[2]) + " on " + o.device + " does not fit; try batchSize " +
         std::to_string(std::max<int64_t>(1, o.batch_size / 2)) +
         " or a smaller patchSize (each axis a multiple of the pool kernels' product), or amp on CUDA";
}

void Run(TrainJob* job) {
  auto send = [job](Message* m) {
    if (job->tsfn.BlockingCall(m, Deliver) != napi_ok) {
      delete m;
      job->abort->store(true);  // JS side is gone: stop after a checkpoint
    }
  };
  try {
    pipe_core::TrainResult r = pipe_core::Train(
        job->options,
        [&](const pipe_core::ProgressEvent& e) {
          auto* m = new Message;
          m->progress = e;
          send(m);
        },
        job->abort.get());
    auto* m = new Message;
    m->kind = Message::kDone;
    m->result = std::move(r);
    send(m);
  } catch (...) {
    auto* m = new Message;
    m->kind = Message::kError;
    m->failure = pipe_binding::DescribeCurrentException(OomHint(job->options));
    send(m);
  }
  job->tsfn.Release();
}

Napi::Value StartTraining(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object options =
      pipe_binding::ReadObject(info[0], pipe_binding::ArgumentName("startTraining", 0, "options"));
  const Napi::Function on_event =
      pipe_binding::ReadFunction(info[1], pipe_binding::ArgumentName("startTraining", 1, "onEvent"));
  auto job = std::make_unique<TrainJob>();
  job->options = pipe_binding::ToTrainOptions(options);
  TrainJob* raw = job.release();
  raw->tsfn = Napi::ThreadSafeFunction::New(env, on_event, "pipe-train", /*maxQueueSize=*/0, /*initialThreadCount=*/1,
                                            raw, [](Napi::Env, TrainJob* j) {
                                              if (j->thread.joinable()) j->thread.join();
                                              delete j;
                                            });
  raw->thread = std::thread(Run, raw);
  auto handle = Napi::Object::New(env);
  std::shared_ptr<std::atomic<bool>> abort = raw->abort;
  handle.Set("abort", Napi::Function::New(env, [abort](const Napi::CallbackInfo& i) {
               abort->store(true);
               return i.Env().Undefined();
             }));
  return handle;
}

}  // namespace

PIPE_NATIVE_EXPORT("startTraining", StartTraining);
