"""Training throughput of one configuration: csrae's Trainer vs a bare PyTorch loop of the same math.

    python benchmarks/train_throughput.py [--epochs 3] [--device cuda]

Both train CSRAE (MLP-300, latent 40, λ = 1, Adam 5e-4, batch 100) on the
4,000 mnist5k training digits with dynamic binarisation.  The bare loop has
no validation, early stopping or checkpoint; the Trainer does all three
every epoch.  With pythae installed, its VAE trainer on the same MLP and data
is timed too.
"""

import argparse
import importlib.util
import tempfile

import torch
from timing import best_time, print_table

from csrae.data import prepare_dataset
from csrae.models import build_model
from csrae.registry import STANDARD, applying
from csrae.trainer import TrainConfig, Trainer


def model():
    torch.manual_seed(0)
    return build_model(applying("CS", STANDARD).name, {"lambda": 1.0}, 784, 40, "mlp300", "bernoulli")


def bare_loop(data, epochs, device):
    net = model().to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=5e-4)
    x_train = torch.from_numpy(data.x["train"])
    for _ in range(epochs):
        for index in torch.randperm(len(x_train)).split(100):
            loss = net.loss(torch.bernoulli(x_train[index]).to(device)).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()


def csrae_trainer(data, epochs, device):
    config = TrainConfig(epochs=epochs, warmup=0, patience=epochs, batch_size=100, lr=5e-4)
    with tempfile.TemporaryDirectory() as state:
        Trainer(model(), data, config, state, device=device, log=lambda *_: None).fit()


def pythae_trainer(data, epochs, device):
    """pythae's VAE with the same MLP-300 encoder and decoder (static data: pythae does not binarise)."""
    from pythae.models import VAE, VAEConfig
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder
    from pythae.pipelines import TrainingPipeline
    from pythae.trainers import BaseTrainerConfig

    class Encoder(BaseEncoder):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            loc, logvar = self.net(x.reshape(len(x), -1)).chunk(2, dim=-1)
            return ModelOutput(embedding=loc, log_covariance=logvar)

    class Decoder(BaseDecoder):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, z):
            return ModelOutput(reconstruction=torch.sigmoid(self.net(z)).reshape(len(z), 1, 28, 28))

    net = model()
    config = VAEConfig(input_dim=(1, 28, 28), latent_dim=40, reconstruction_loss="bce")
    vae = VAE(config, encoder=Encoder(net.encoder), decoder=Decoder(net.decoder))
    with tempfile.TemporaryDirectory() as out:
        settings = BaseTrainerConfig(
            output_dir=out,
            num_epochs=epochs,
            learning_rate=5e-4,
            per_device_train_batch_size=100,
            no_cuda=device.type != "cuda",
        )
        TrainingPipeline(model=vae, training_config=settings)(train_data=data.x["train"].reshape(-1, 1, 28, 28))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    data = prepare_dataset("mnist5k")
    samples = args.epochs * len(data.x["train"])
    bare = best_time(lambda: bare_loop(data, args.epochs, device), device=device)
    ours = best_time(lambda: csrae_trainer(data, args.epochs, device), device=device)
    rows = [["bare PyTorch loop", samples / bare, 1.0], ["csrae Trainer", samples / ours, ours / bare]]
    if importlib.util.find_spec("pythae"):
        theirs = best_time(lambda: pythae_trainer(data, args.epochs, device), device=device)
        rows.append(["pythae VAE trainer", samples / theirs, theirs / bare])
    print_table(
        f"Training throughput, CSRAE MLP-300 on mnist5k, {device.type}",
        ["trainer", "samples/s", "time ÷ bare loop"],
        rows,
    )


if __name__ == "__main__":
    main()
