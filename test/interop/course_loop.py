"""The course's PyTorch training loop, logging through a real tracker client, for Runboard's interop tests.

An nn.Sequential MLP with nn.init.uniform_ weights and dropout, SGD with momentum and weight_decay, trained on a
seeded two-class problem; per epoch it logs training and validation loss and accuracy. It writes exactly what it
logged (as the tracker stores it) to --record, so a test can compare that with what Runboard shows.

    course_loop.py mlflow --record out.json [--epochs N] [--wait-after K --go FILE]
        logs through mlflow to MLFLOW_TRACKING_URI (Runboard's serve, an mlruns/ folder, a sqlite:/// database);
        with --wait-after, after K epochs it waits until FILE exists (so a test can look at the live run)
    course_loop.py tensorboard --logdir DIR --record out.json
        writes scalars and add_hparams with torch.utils.tensorboard.SummaryWriter
"""

import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn

PARAMS = {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.0001, "batch_size": 32, "hidden": 16, "dropout": 0.2, "optimizer": "sgd", "init": "uniform:-0.5,0.5"}


def data(seed):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(400, 2, generator=generator)
    y = ((x[:, 0] * x[:, 1] > 0) | (x[:, 0] > 1.2)).long()
    return (x[:320], y[:320]), (x[320:], y[320:])


def model():
    net = nn.Sequential(nn.Linear(2, PARAMS["hidden"]), nn.ReLU(), nn.Dropout(PARAMS["dropout"]), nn.Linear(PARAMS["hidden"], PARAMS["hidden"]), nn.ReLU(), nn.Linear(PARAMS["hidden"], 2))
    for layer in net:
        if isinstance(layer, nn.Linear):
            nn.init.uniform_(layer.weight, -0.5, 0.5)
            nn.init.zeros_(layer.bias)
    return net


def epochs(count):
    """Yields (epoch, train_loss, train_accuracy, val_loss, val_accuracy), epochs counted from 1."""
    torch.manual_seed(0)
    (x, y), (vx, vy) = data(1)
    net = model()
    optimizer = torch.optim.SGD(net.parameters(), lr=PARAMS["lr"], momentum=PARAMS["momentum"], weight_decay=PARAMS["weight_decay"])
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1, count + 1):
        net.train()
        order = torch.randperm(len(x))
        total, correct, seen = 0.0, 0, 0
        for start in range(0, len(x), PARAMS["batch_size"]):
            batch = order[start : start + PARAMS["batch_size"]]
            optimizer.zero_grad()
            out = net(x[batch])
            loss = loss_fn(out, y[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
            correct += (out.argmax(1) == y[batch]).sum().item()
            seen += len(batch)
        net.eval()
        with torch.no_grad():
            out = net(vx)
            val_loss = loss_fn(out, vy).item()
            val_accuracy = (out.argmax(1) == vy).float().mean().item()
        yield epoch, total / seen, correct / seen, val_loss, val_accuracy


def with_mlflow(args):
    import mlflow

    record = {"params": {k: str(v) for k, v in PARAMS.items()}, "metrics": {}, "tags": {"course": "intro-ml", "framework": "pytorch"}}
    mlflow.set_experiment(args.experiment)
    run = mlflow.start_run(run_name=args.name)
    record["run_id"] = run.info.run_id
    mlflow.log_params(PARAMS)
    for epoch, train_loss, train_accuracy, val_loss, val_accuracy in epochs(args.epochs):
        for key, value in (("train_loss", train_loss), ("train_accuracy", train_accuracy), ("val_loss", val_loss), ("val_accuracy", val_accuracy)):
            mlflow.log_metric(key, value, step=epoch)
            record["metrics"].setdefault(key, []).append([epoch, value])
        if args.wait_after and epoch == args.wait_after:
            with open(args.record, "w") as f:
                json.dump(record, f)
            deadline = time.time() + 120
            while not os.path.exists(args.go) and time.time() < deadline:
                time.sleep(0.1)
    for key, value in record["tags"].items():
        mlflow.set_tag(key, value)
    mlflow.end_run()
    with open(args.record, "w") as f:
        json.dump(record, f)


def with_tensorboard(args):
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(log_dir=args.logdir)
    record = {"params": {}, "metrics": {}}
    last = {}
    for epoch, train_loss, train_accuracy, val_loss, val_accuracy in epochs(args.epochs):
        for key, value in (("loss/train", train_loss), ("accuracy/train", train_accuracy), ("loss/val", val_loss), ("accuracy/val", val_accuracy)):
            writer.add_scalar(key, value, epoch)
            # TensorBoard keeps a scalar as a 32-bit float.
            record["metrics"].setdefault(key, []).append([epoch, float(np.float32(value))])
            last[key] = value
    hparams = {"lr": PARAMS["lr"], "momentum": PARAMS["momentum"], "batch_size": PARAMS["batch_size"], "optimizer": PARAMS["optimizer"]}
    writer.add_hparams(hparams, {"hparam/val_accuracy": last["accuracy/val"]})
    record["params"] = hparams
    record["metrics"]["hparam/val_accuracy"] = [[0, float(np.float32(last["accuracy/val"]))]]
    writer.close()
    with open(args.record, "w") as f:
        json.dump(record, f)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["mlflow", "tensorboard"])
    parser.add_argument("--record", required=True)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--experiment", default="course")
    parser.add_argument("--name", default="course-mlp")
    parser.add_argument("--logdir")
    parser.add_argument("--wait-after", type=int, default=0)
    parser.add_argument("--go")
    arguments = parser.parse_args()
    with_mlflow(arguments) if arguments.mode == "mlflow" else with_tensorboard(arguments)
