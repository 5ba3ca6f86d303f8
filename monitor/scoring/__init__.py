"""Scores per unit and period from findings and a scheme, with roll-up and exports."""
