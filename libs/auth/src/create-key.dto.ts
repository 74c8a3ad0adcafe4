import {
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
} from 'class-validator';
import { ROLES, Role, TENANT_PATTERN } from './roles';

export class CreateKeyDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(ROLES, { each: true, message: `each role must be one of ${ROLES.join(', ')}` })
  roles!: Role[];

  @IsOptional()
  @IsString()
  @Matches(TENANT_PATTERN, {
    message: 'tenant must be 1-64 lower-case letters, digits, "-" or "_"',
  })
  tenant?: string;
}
