import click


@click.command()
@click.option("--steps", type=int, default=10, help="how many steps")
@click.option("--rate", type=float, default=0.5)
@click.option("--fast", is_flag=True, help="skip checks")
@click.option("--name", default="hello")
@click.option("--m", "mode", "-m", default="train", type=click.Choice(["train", "eval", "test"]), help="what to do")
def main(steps, rate, fast, name, mode):
    print("steps", repr(steps), "rate", repr(rate), "fast", fast, "name", name, "mode", mode)


if __name__ == "__main__":
    main()
