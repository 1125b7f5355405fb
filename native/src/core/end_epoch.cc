// The end of an epoch (see training_run.h): histories, the pseudo-Dice EMA, model_best (a new best EMA, never at
// the first EMA), checkpoint_latest every checkpoint_every epochs, and the epoch event.
#include <cmath>

#include "core/training_run.h"

namespace pipe_core {

void EndEpoch(TrainingRun& run, double train_loss, const ValidationScores& validation, double lr) {
  const TrainOptions& o = run.options;
  TrainState& state = run.state;
  const double dice = validation.pseudo_dice;
  double ema = state.ema.empty() ? std::nan("") : state.ema.back();
  if (!std::isnan(dice)) ema = std::isnan(ema) ? dice : o.ema_alpha * ema + (1.0 - o.ema_alpha) * dice;
  state.train_loss.push_back(train_loss);
  state.val_loss.push_back(validation.loss);
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
  ev.samples_per_s = run.train_seconds > 0 ? run.samples / run.train_seconds : 0;
  ev.val_loss = validation.loss;
  ev.pseudo_dice = dice;
  ev.ema = ema;
  ev.best = best;
  state.epoch = completed;  // checkpoints written now record the completed epoch
  if (best) run.result.best_checkpoint = SaveCheckpoint(run, "best");
  if (o.checkpoint_every > 0 && completed % o.checkpoint_every == 0 && completed < o.epochs)
    run.result.latest_checkpoint = SaveCheckpoint(run, "latest");
  Emit(run, ev);
  state.epoch = completed - 1;  // Train()'s loop increments
}

}  // namespace pipe_core
