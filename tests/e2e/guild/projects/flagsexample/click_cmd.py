import click


@click.command()
@click.option("--i", type=int, default=1, help="an int")
@click.option("--f", type=float, default=1.1, help="a float")
@click.option("--b", is_flag=True, help="a switch")
@click.option("--s", default="hello", help="a string")
@click.option("--c", "color", "-c", default="red", type=click.Choice(["red", "blue", "green"]), help="a choice")
def main(i, f, b, s, color):
    print("Flags:", i, f, b, s, color)


if __name__ == "__main__":
    main()
