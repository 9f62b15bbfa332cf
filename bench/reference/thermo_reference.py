"""The PyTorch reference of thermo's models and training step (docs/method.md §2-§5).

Written for Debian's /usr/bin/python3 with python3-torch (1.13) and python3-numpy. The models are
built exactly as the paper's reference code builds them (ConvNetDepth with max_depth=3 and the
pre-activation ResNet-18 of "three regimes"): BatchNorm2d(affine=False) everywhere, bias-free
convolutions, a frozen linear head normalised to last_layer_norm. Parameters are exchanged with
thermo as one flat float32 vector in the order of model.parameters() (conv weights OIHW in layer
order, then the head weight classes x features, then the head bias), which is thermo's buffer
order.
"""

import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# --- models -------------------------------------------------------------------------------------

class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


def _conv_block(in_channels, out_channels, pool):
    layers = [
        nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False),
        nn.BatchNorm2d(out_channels, affine=False),
        nn.ReLU(),
    ]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return layers


class ConvNet(nn.Module):
    """ConvNet(c): the reference's ConvNetDepth(init_channels=c, max_depth=3)."""

    def __init__(self, channels, num_classes=10, input_channels=3):
        super().__init__()
        c = channels
        modules = _conv_block(input_channels, c, pool=False)
        modules += _conv_block(c, 2 * c, pool=True)
        modules += _conv_block(2 * c, 4 * c, pool=True)
        modules += _conv_block(4 * c, 8 * c, pool=True)
        self.conv_layers = nn.Sequential(*modules)
        self.linear_layers = nn.Sequential(nn.MaxPool2d(4), Flatten(), nn.Linear(8 * c, num_classes, bias=True))
        for parameter in self.linear_layers.parameters():
            parameter.requires_grad = False

    def forward(self, x):
        return self.linear_layers(self.conv_layers(x))


class PreActBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes, affine=False)
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, affine=False)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.BatchNorm2d(in_planes, affine=False),
                nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False),
            )

    def forward(self, x):
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if hasattr(self, "shortcut") else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut


class PreActResNet18(nn.Module):
    """ResNet-18(k), pre-activation, with a frozen bias-free head (the reference's make_resnet18k)."""

    def __init__(self, k, num_classes=10, input_channels=3):
        super().__init__()
        self.in_planes = k
        self.conv1 = nn.Conv2d(input_channels, k, kernel_size=3, stride=1, padding=1, bias=False)
        self.layer1 = self._make_layer(k, 2, 1)
        self.layer2 = self._make_layer(2 * k, 2, 2)
        self.layer3 = self._make_layer(4 * k, 2, 2)
        self.layer4 = self._make_layer(8 * k, 2, 2)
        self.bn = nn.BatchNorm2d(8 * k, affine=False)
        self.avgpool = nn.AvgPool2d(4)
        self.linear = nn.Linear(8 * k, num_classes, bias=False)
        for parameter in self.linear.parameters():
            parameter.requires_grad = False

    def _make_layer(self, planes, blocks, stride):
        layers = []
        for block_stride in [stride] + [1] * (blocks - 1):
            layers.append(PreActBlock(self.in_planes, planes, block_stride))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = self.conv1(x)
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.relu(self.bn(out))
        out = self.avgpool(out)
        return self.linear(out.view(out.size(0), -1))


def make_model(name, channels, num_classes=10, input_channels=3):
    if name == "convnet":
        return ConvNet(channels, num_classes, input_channels)
    if name == "resnet18":
        return PreActResNet18(channels, num_classes, input_channels)
    raise ValueError(f"unknown model {name!r} (convnet or resnet18)")


def si_parameters(model):
    """The scale-invariant parameters (every trainable one: the convolutions), in order."""
    return [p for p in model.parameters() if p.requires_grad]


def batch_norms(model):
    return [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]


# --- parameters and data ------------------------------------------------------------------------

def load_flat_parameters(model, flat):
    """Copies a flat float32 vector (thermo's buffer order) into model.parameters()."""
    flat = torch.as_tensor(np.asarray(flat, dtype=np.float32))
    expected = sum(p.numel() for p in model.parameters())
    if flat.numel() != expected:
        raise ValueError(f"{flat.numel()} parameter values for a model of {expected}")
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(flat, model.parameters())


def flat_parameters(model):
    return torch.nn.utils.parameters_to_vector(model.parameters()).detach().cpu().numpy()


def running_statistics(model):
    """Concatenation of (running_mean, running_var) of every batch norm, in module order."""
    parts = []
    for bn in batch_norms(model):
        parts += [bn.running_mean.detach().cpu().numpy(), bn.running_var.detach().cpu().numpy()]
    return np.concatenate(parts).astype(np.float32)


def init_reference(model, init_seed=1, head_seed=4, last_layer_norm=10.0):
    """PyTorch's own initialisation (torch.manual_seed), as the paper's code does; thermo uses its
    own generator, so exactness checks load thermo's initial parameters instead."""
    torch.manual_seed(init_seed)
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            module.reset_parameters()
    torch.manual_seed(head_seed)
    head = model.linear_layers[-1] if isinstance(model, ConvNet) else model.linear
    fresh = nn.Linear(head.in_features, head.out_features, bias=head.bias is not None)
    with torch.no_grad():
        head.weight.copy_(last_layer_norm * fresh.weight / fresh.weight.norm())
        if head.bias is not None:
            head.bias.copy_(fresh.bias)


# --- losses, evaluation, steps ------------------------------------------------------------------

def loss_sum_or_mean(output, target, loss, reduction):
    if loss == "cross_entropy":
        return F.cross_entropy(output, target, reduction=reduction)
    if loss == "mse":
        per_sample = F.mse_loss(output, F.one_hot(target, num_classes=output.shape[1]).to(output.dtype),
                                reduction="none").sum(dim=-1)
        return per_sample.sum() if reduction == "sum" else per_sample.mean()
    raise ValueError(f"unknown loss {loss!r}")


def si_gradient(model):
    return torch.cat([p.grad.reshape(-1) for p in si_parameters(model)])


def evaluate(model, x_train, y_train, x_test, y_test, loss, chunk=1024):
    """The reference's eval_model: train loss/accuracy and the full gradient (summed-loss gradient
    / n) in TRAINING mode in chunks (each chunk updates the running statistics), then test
    loss/accuracy in evaluation mode."""
    model.train()
    model.zero_grad()
    train_loss, train_correct = 0.0, 0
    for start in range(0, len(x_train), chunk):
        x, y = x_train[start:start + chunk], y_train[start:start + chunk]
        output = model(x)
        value = loss_sum_or_mean(output, y, loss, "sum")
        value.backward()
        train_loss += value.item()
        train_correct += (output.argmax(dim=1) == y).sum().item()
    full_gradient = si_gradient(model).detach().double() / len(x_train)
    test_loss, test_correct = evaluate_test(model, x_test, y_test, loss, chunk)
    return {
        "train_loss": train_loss / len(x_train),
        "train_acc": train_correct / len(x_train),
        "test_loss": test_loss,
        "test_acc": test_correct,
    }, full_gradient


def evaluate_test(model, x_test, y_test, loss, chunk=1024):
    model.eval()
    total, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x_test), chunk):
            x, y = x_test[start:start + chunk], y_test[start:start + chunk]
            output = model(x)
            total += loss_sum_or_mean(output, y, loss, "sum").item()
            correct += (output.argmax(dim=1) == y).sum().item()
    return total / len(x_test), correct / len(x_test)


def fix_si_norm(model, radius):
    """The reference's fix_si_pnorm: one common factor so that the SI vector has norm `radius`."""
    norm = math.sqrt(sum((p ** 2).sum().item() for p in si_parameters(model)))
    with torch.no_grad():
        for p in si_parameters(model):
            p *= radius / norm


def make_optimizer(model, elr, radius=1.0):
    """Projected SGD on the sphere: plain SGD with lr = elr·radius² on the SI parameters."""
    return torch.optim.SGD([{"params": si_parameters(model)}], lr=elr * radius ** 2)


def training_step(model, optimizer, x, y, loss, radius=1.0):
    """One step: training-mode forward on the batch, mean loss, backward, SGD, projection."""
    model.train()
    optimizer.zero_grad()
    value = loss_sum_or_mean(model(x), y, loss, "mean")
    value.backward()
    optimizer.step()
    fix_si_norm(model, radius)
    return value.item()


# --- the exactness check against thermo ---------------------------------------------------------

def run_check(directory):
    """Reads what thermo's exactness test wrote to `directory` (config.json, parameters.npy and the
    data) and writes the reference's results next to them as ref_*.npy.

    Iteration 0 runs as a log step does (train pass in training mode with the full gradient, then
    the test pass in evaluation mode). Then `steps` steps of full-batch projected gradient descent
    from the same start, the reference's own trajectory: the loss and gradient at each point and
    the point after each step. The batch-norm running statistics follow the same sequence of
    training-mode forwards as thermo's, and the final test pass uses them.

    The same again from the start perturbed by a relative `noise` (config, default 1e-7: float32
    rounding) is written as ref_floor_*.npy: how far the reference follows itself. The loss is only
    piecewise smooth (ReLU, max pooling), so along a trajectory rounding alone moves the gradients
    and statistics by this much in any float32 implementation."""
    with open(f"{directory}/config.json") as file:
        config = json.load(file)
    torch.set_num_threads(int(config.get("threads", 1)))
    data = {split: (torch.from_numpy(np.load(f"{directory}/{split}_x.npy")),
                    torch.from_numpy(np.load(f"{directory}/{split}_y.npy").astype(np.int64)))
            for split in ("train", "test")}
    start = np.load(f"{directory}/parameters.npy")
    noise = float(config.get("noise", 1e-7))
    perturbed = start * (1 + noise * np.random.default_rng(0).standard_normal(start.shape)).astype(np.float32)
    model = make_model(config["model"], int(config["channels"]), int(config["classes"]), data["train"][0].shape[1])
    load_flat_parameters(model, start)
    batches = sorted({min(int(config.get("chunk", 1024)), len(data["train"][0])), len(data["train"][0])})
    np.save(f"{directory}/ref_kink_margins.npy", np.array(kink_margins(model, data["train"][0], batches)))
    for prefix, parameters, project in (("ref", start, False), ("ref_floor", perturbed, True)):
        results = check_trajectory(config, data, parameters, project)
        for name, value in results.items():
            np.save(f"{directory}/{prefix}_{name}.npy", value)


def kink_margins(model, x, batch_sizes):
    """How close the start is to a kink of the piecewise smooth loss, in float64 over training-mode
    passes in batches of each size: the smallest |x̂| of a batch-normalised value (every batch norm
    here feeds a ReLU), and the smallest gap between the two largest values of a max-pooling window
    over the standard deviation of the pooling input (windows whose maximum is positive). Below
    ~1e-6 float32 rounding alone can put a unit on the other side, and a gradient of any float32
    implementation moves by ~1e-3."""
    import copy
    model = copy.deepcopy(model).double().train()
    margins = [math.inf, math.inf]

    def batch_norm_hook(module, inputs, output):
        margins[0] = min(margins[0], output.abs().min().item())

    def pool_hook(module, inputs, output):
        src = inputs[0]
        k = module.kernel_size
        windows = src.unfold(2, k, k).unfold(3, k, k).reshape(*src.shape[:2], -1, k * k)
        top = windows.topk(2, dim=-1).values
        live = top[..., 0] > 0  # ties at 0 (after a ReLU) route a gradient that the ReLU zeroes
        if live.any():
            margins[1] = min(margins[1], ((top[..., 0] - top[..., 1])[live].min() / src.std()).item())

    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.register_forward_hook(batch_norm_hook)
        elif isinstance(module, torch.nn.MaxPool2d):
            module.register_forward_hook(pool_hook)
    with torch.no_grad():
        for batch in batch_sizes:
            for start in range(0, len(x), batch):
                model(x[start:start + batch].double())
    return margins


def check_trajectory(config, data, parameters, project):
    """Iteration 0 and the full-batch trajectory of run_check from `parameters` (put back on the
    sphere first when `project`)."""
    (x_train, y_train), (x_test, y_test) = data["train"], data["test"]
    model = make_model(config["model"], int(config["channels"]), int(config["classes"]), x_train.shape[1])
    load_flat_parameters(model, parameters)
    loss, chunk, radius = config["loss"], int(config.get("chunk", 1024)), float(config.get("radius", 1.0))
    if project:
        fix_si_norm(model, radius)

    results = {}
    metrics, full_gradient = evaluate(model, x_train, y_train, x_test, y_test, loss, chunk)
    results["initial_metrics"] = np.array(
        [metrics["train_loss"], metrics["train_acc"], metrics["test_loss"], metrics["test_acc"]])
    results["initial_gradient"] = full_gradient.numpy()
    results["initial_running_stats"] = running_statistics(model)

    # Full-batch projected gradient descent (the gradient of the mean loss over all n samples).
    optimizer = make_optimizer(model, float(config["elr"]), radius)
    losses, gradients, points = [], [], []
    for _ in range(int(config["steps"])):
        losses.append(training_step(model, optimizer, x_train, y_train, loss, radius))
        gradients.append(si_gradient(model).detach().double().numpy())  # at the point before the step
        points.append(flat_parameters(model))
    results["step_losses"] = np.array(losses)
    results["step_gradients"] = np.stack(gradients)
    results["points"] = np.stack(points)
    results["final_running_stats"] = running_statistics(model)
    test_loss, test_acc = evaluate_test(model, x_test, y_test, loss, chunk)
    results["final_test"] = np.array([test_loss, test_acc])
    return results


# --- timing -------------------------------------------------------------------------------------

def bench(model_name, channels, threads, batch=128, iterations=200, warmup=10, train_size=5000, loss="cross_entropy",
          device="cpu", tf32=False):
    """Iterations per second of the training step (iid batch of `batch` drawn with replacement,
    forward, backward, SGD, projection) on random CIFAR-shaped data. On a GPU (`device` cuda) the
    data and the model live on the device, the batch indices are drawn there, and convolutions
    and matrix products compute in float32 (PyTorch's default TF32 convolutions are switched off
    unless `tf32`), as thermo's cuda backend does by default."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    target = torch.device(device)
    on_gpu = target.type == "cuda"
    if on_gpu:
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
    x_train = torch.randn(train_size, 3, 32, 32).to(target)
    y_train = torch.randint(0, 10, (train_size,)).to(target)
    model = make_model(model_name, channels)
    init_reference(model, last_layer_norm=10.0 if loss == "cross_entropy" else 1.5)
    model.to(target)
    fix_si_norm(model, 1.0)
    optimizer = make_optimizer(model, 0.01)

    def step():
        indices = torch.randint(0, train_size, (batch,), device=target)
        training_step(model, optimizer, x_train[indices], y_train[indices], loss)

    def synchronize():
        if on_gpu:
            torch.cuda.synchronize(target)

    for _ in range(warmup):
        step()
    synchronize()
    start = time.perf_counter()
    for _ in range(iterations):
        step()
    synchronize()
    elapsed = time.perf_counter() - start
    return {
        "model": model_name, "channels": channels, "threads": threads, "batch": batch, "device": device,
        "tf32": bool(tf32 and on_gpu), "iterations": iterations, "seconds": elapsed,
        "iterations_per_second": iterations / elapsed, "ms_per_step": 1000.0 * elapsed / iterations,
        "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name(target) if on_gpu else None,
    }
